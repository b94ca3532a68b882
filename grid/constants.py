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
# Server without its accelerators: 5,700 kgCO2e — EcoLogits' current figure for a GPU server as the
# team's reference sheet quotes it (shared/reference/README.md: "164–273 kgCO2e embodied per GPU,
# 5,700 kgCO2e per server"); the ecologits/impacts/llm.py versions stored for this session (commits
# 00d1915, dd1665e) still carry SERVER_EMBODIED_IMPACT_GWP = 3,000 (the old figure): verify against the
# current EcoLogits methodology page. Accelerators take the catalog's figure (accelerators.yaml,
# NVIDIA HGX H100 / B200 product carbon footprints; marked assumptions where scaled); a device without
# one gets the HGX H100 per-GPU figure (1,312 kg / 8 = 164 kg), an assumption named in the run's warnings.
FALLBACK_ACCELERATOR_EMBODIED_KGCO2E = 164.0  # [kgCO2e/device] assumption: NVIDIA HGX H100 PCF ÷ 8 GPUs
SERVER_EMBODIED_KGCO2E = 5700.0  # [kgCO2e/server], excluding accelerators (EcoLogits, current; verify)
HARDWARE_LIFE_YEARS = 5.0  # [years] straight-line amortisation
