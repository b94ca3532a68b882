from django.apps import AppConfig


class AcceleratorsConfig(AppConfig):
    name = "accelerators"
    verbose_name = "Accelerators and LLM models"
