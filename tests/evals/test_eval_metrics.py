"""Metric arithmetic: rates leave undecided values out and count them; intervals are seeded and bracket the value."""

import pytest

from rnr_dspy.evals.intervals import newcombe_paired, sign_test, wilson
from rnr_dspy.evals.metrics import grouped, mean_metric, paired_delta, ratio_metric, units_of


def test_mean_leaves_unknown_values_out_and_counts_them():
    metric = mean_metric([True, False, True, None, None])
    assert metric.value == pytest.approx(2 / 3)
    assert (metric.n, metric.unknown) == (3, 2)


def test_all_unknown_gives_no_value_rather_than_zero():
    metric = mean_metric([None, None])
    assert metric.value is None and metric.unknown == 2


def test_ratio_sums_over_units_not_means_of_units():
    # Item 1 followed 1 of 1 rule, item 2 followed 1 of 3: 2 of 4 rules, not the mean of 1.0 and 0.33.
    metric = ratio_metric([(1, 1), (1, 3)])
    assert metric.value == pytest.approx(0.5) and metric.n == 2


def test_units_without_rules_are_not_counted():
    assert ratio_metric([(0, 0), (2, 2)]).n == 1


def test_interval_brackets_the_value_is_seeded_and_narrows_with_more_data():
    small = mean_metric([True, False] * 10)
    large = mean_metric([True, False] * 500)
    assert small.low <= small.value <= small.high
    assert mean_metric([True, False] * 10) == small
    assert (large.high - large.low) < (small.high - small.low)


@pytest.mark.parametrize(("outcomes", "low", "high"), [
    ([False] * 4, 0.0, 0.490),  # the report's "0.000 [0.00, 0.00] n=4"
    ([True] * 3, 0.438, 1.0),  # and "1.000 [1.00, 1.00] n=3"
    ([True] * 7, 0.646, 1.0),
    ([True] * 8 + [False] * 2, 0.490, 0.943),
])
def test_pass_rates_get_wilson_intervals_of_known_value_that_never_collapse(outcomes, low, high):
    metric = mean_metric(outcomes)
    assert metric.method == "wilson"
    assert (metric.low, metric.high) == (pytest.approx(low, abs=1e-3), pytest.approx(high, abs=1e-3))


def test_a_ratio_over_items_gets_a_bca_interval_that_brackets_it():
    parts = [(3, 4), (1, 4), (4, 4), (2, 3), (0, 2), (5, 5), (2, 4), (1, 1)] * 3
    metric = ratio_metric(parts)
    assert metric.method == "bca" and metric.low < metric.value < metric.high
    assert ratio_metric(parts) == metric  # seeded


def test_a_ratio_whose_items_all_agree_falls_back_to_wilson_over_the_items():
    metric = ratio_metric([(3, 3), (4, 4), (2, 2), (5, 5)])
    assert (metric.value, metric.method) == (1.0, "wilson") and round(metric.low, 3) == 0.510


def test_grouped_is_one_metric_per_key_in_sorted_order():
    metrics = grouped([("b", True), ("a", False), ("b", None), ("b", False)])
    assert list(metrics) == ["a", "b"]
    assert metrics["b"].value == 0.5 and metrics["b"].unknown == 1


def test_wilson_newcombe_and_the_exact_test_match_published_values():
    assert [round(x, 4) for x in wilson(0, 4)] == [0.0, 0.4899]
    # Newcombe's paired interval on the 2x2 table [[59, 6], [16, 80]] (Fagerland, Lydersen & Laake, ch. 8):
    # the first proportion minus the second is -0.0621 (95% CI -0.1186 to -0.0046); ours is second minus first.
    assert [round(x, 4) for x in newcombe_paired(59, 6, 16, 80)] == [0.0046, 0.1186]
    assert round(sign_test(9, 1), 4) == 0.0215 and sign_test(0, 0) == 1.0 and sign_test(3, 3) == 1.0


def test_the_paired_change_in_a_pass_rate_has_its_own_interval_and_mcnemar_test():
    base = units_of([False] * 10 + [True] * 5 + [False] * 5)
    other = units_of([True] * 10 + [True] * 5 + [False] * 5)  # 10 items fixed, none broken
    delta = paired_delta(base, other)
    assert delta.value == pytest.approx(0.5) and (delta.better, delta.worse, delta.n) == (10, 0, 20)
    assert delta.test == "mcnemar" and delta.p_value == pytest.approx(2 / 2**10)
    assert 0 < delta.low < 0.5 < delta.high <= 1


def test_the_paired_change_leaves_out_items_either_model_left_undecided():
    delta = paired_delta(units_of([True, None, False, True]), units_of([True, True, None, True]))
    assert delta.n == 2 and delta.value == 0.0 and delta.p_value == 1.0
    assert delta.low < 0 < delta.high  # no item differed, yet the interval does not collapse to a point


def test_the_paired_change_in_adherence_is_bootstrapped_and_sign_tested():
    base = [(1, 4), (2, 4), (0, 3), (1, 2), (2, 5), (1, 3)] * 4
    other = [(3, 4), (2, 4), (2, 3), (2, 2), (2, 5), (1, 3)] * 4
    delta = paired_delta(base, other)
    assert delta.test == "sign" and (delta.better, delta.worse) == (12, 0)
    assert delta.low <= delta.value <= delta.high and delta.low > 0
    assert delta.p_value == pytest.approx(2 / 2**12)


def test_a_wilson_interval_always_holds_its_own_estimate():
    # 0 of 66 gave a lower bound of 3e-18 by rounding: above the estimate, a negative error bar that crashed the plot.
    for trials in range(1, 301):
        assert wilson(0, trials)[0] == 0.0 and wilson(trials, trials)[1] == 1.0
        for successes in range(0, trials + 1, max(1, trials // 7)):
            low, high = wilson(successes, trials)
            assert low <= successes / trials <= high
