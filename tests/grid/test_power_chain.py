"""Power-chain loss curves (grid.power_chain)."""

import numpy as np
import pytest

from grid.power_chain import LossCurve, PowerChainError, default_power_chain, inside_losses


def test_it_reproduces_the_ups_efficiency_points_it_was_fitted_to():
    # grid/data/power_chain.yaml: 94.0 / 96.0 / 96.5 % at 25 / 50 / 100 % load.
    ups = default_power_chain().ups
    assert ups.efficiency_frac(load_frac=0.25) == pytest.approx(0.94, abs=0.001)
    assert ups.efficiency_frac(load_frac=0.5) == pytest.approx(0.96, abs=0.001)
    assert ups.efficiency_frac(load_frac=1.0) == pytest.approx(0.965, abs=0.001)


def test_it_loses_a_larger_share_at_light_load():
    chain = default_power_chain()
    it = np.array([0.1, 0.3, 0.6, 1.0]) * 1e6
    losses = inside_losses(chain=chain, it_power_w=it, design_it_power_w=1e6)
    share = (losses.ups_loss_w + losses.pdu_loss_w) / it
    assert np.all(np.diff(share) < 0)
    # ../shared/reference/README.md: chain losses 4-10 % of IT load overall at normal loads.
    assert 0.03 < share[2] < 0.10


def test_it_meets_the_doe_transformer_efficiency_at_half_load():
    # 10 CFR 431.196 (2016): 2,500 kVA liquid-immersed, 99.53 % at 50 % load.
    assert default_power_chain().transformer.efficiency_frac(load_frac=0.5) == pytest.approx(0.9953, abs=0.0002)


def test_it_rescales_the_ups_curve_to_a_given_full_load_efficiency():
    chain = default_power_chain(ups_efficiency_frac=0.98)
    assert chain.ups.efficiency_frac(load_frac=1.0) == pytest.approx(0.98)
    assert chain.ups.efficiency_frac(load_frac=0.25) < 0.98
    with pytest.raises(PowerChainError, match=r"site\.ups_efficiency_frac"):
        default_power_chain(ups_efficiency_frac=0.3)


def test_it_counts_no_load_losses_of_every_redundant_path():
    # Hand case: two paths each rated 100 kW, 1 % no-load loss each, nothing else → 2 kW at any load.
    curve = LossCurve(no_load_frac=0.01, proportional_frac=0.0, square_frac=0.0, paths=2)
    assert np.allclose(curve.loss_w(load_w=np.array([0.0, 50e3, 100e3]), rated_w=100e3), 2e3)
