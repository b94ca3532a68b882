"""Named physical and calendar constants for the grid package (SI unless the name says otherwise).

Keep this a flat module of named constants, each with its unit and source. Other grid modules
import from here instead of repeating literals.
"""

from __future__ import annotations

# Calendar -------------------------------------------------------------------------------------
HOURS_PER_DAY = 24
DAYS_PER_YEAR = 365  # a modelled year is 365 days; leap days are dropped (typical-year convention, EPW/TMY)
HOURS_PER_YEAR = HOURS_PER_DAY * DAYS_PER_YEAR  # 8,760 h
SECONDS_PER_HOUR = 3600.0  # [s/h]
SECONDS_PER_DAY = 86_400.0  # [s/day]
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # days per month in a 365-day year

# Energy and power units -------------------------------------------------------------------------
J_PER_KWH = 3.6e6  # [J/kWh]
J_PER_MWH = 3.6e9  # [J/MWh]
W_PER_KW = 1e3
W_PER_MW = 1e6
WH_PER_MWH = 1e6

# Thermodynamics and psychrometrics -------------------------------------------------------------
ZERO_C_IN_K = 273.15  # [K]
STANDARD_PRESSURE_PA = 101_325.0  # [Pa] ISO 2533 standard atmosphere at sea level
# Latent heat of vaporisation of water near 25 °C: 2,442 kJ/kg (ASHRAE Handbook Fundamentals 2017,
# ch. 1, Table 3); 2.45 MJ/kg is the customary rounded value used in cooling-tower water balances.
WATER_LATENT_HEAT_J_PER_KG = 2.45e6  # [J/kg]
WATER_DENSITY_KG_PER_M3 = 1000.0  # [kg/m³]
LITRES_PER_M3 = 1000.0
# Specific heat of dry air at constant pressure: 1.006 kJ/(kg·K) (ASHRAE Fundamentals 2017 ch. 1).
AIR_SPECIFIC_HEAT_J_PER_KG_K = 1006.0  # [J/(kg·K)]
# Ratio of molar masses of water vapour and dry air, 0.621945 (ASHRAE Fundamentals 2017 ch. 1 eq. 20).
WATER_AIR_MOLAR_MASS_RATIO = 0.621945
# Magnus form of saturation vapour pressure over water, Alduchov & Eskridge (1996), J. Appl. Meteor.
# 35, 601-609: e_s = 610.94 Pa × exp(17.625 T / (T + 243.04 °C)).
MAGNUS_E0_PA = 610.94  # [Pa]
MAGNUS_A = 17.625  # [-]
MAGNUS_B_C = 243.04  # [°C]

# Plausibility limits for hourly weather input ---------------------------------------------------
# Highest and lowest air temperatures ever measured at the surface are +56.7 °C (Death Valley, 1913,
# WMO archive) and -89.2 °C (Vostok, 1983). Values outside these limits are input errors.
DRY_BULB_MIN_C = -90.0  # [°C]
DRY_BULB_MAX_C = 60.0  # [°C]

# Embodied carbon (grid helper) ----------------------------------------------------------------
# EcoLogits (genai-impact/ecologits, ecologits/impacts/llm.py, commit 00d1915): GPU_EMBODIED_IMPACT_GWP
# = 143 kgCO2e for one 80 GB GPU; SERVER_EMBODIED_IMPACT_GWP = 3,000 kgCO2e for an 8-GPU server
# without its GPUs; HARDWARE_LIFESPAN = 5 years. (The team's reference sheet quotes another EcoLogits
# version: 164–273 kgCO2e per GPU, 5,700 kgCO2e per server, 3-year life.)
FALLBACK_ACCELERATOR_EMBODIED_KGCO2E = 143.0  # [kgCO2e/device] used when the catalog has no figure (assumption)
SERVER_EMBODIED_KGCO2E = 3000.0  # [kgCO2e/server], excluding accelerators
HARDWARE_LIFE_YEARS = 5.0  # [years] straight-line amortisation
