"""Metric arithmetic: rates leave undecided values out and count them; intervals are seeded and bracket the value."""

import pytest

from rnr_dspy.evals.metrics import grouped, mean_metric, ratio_metric


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


def test_constant_outcomes_have_a_zero_width_interval():
    metric = mean_metric([True] * 7)
    assert (metric.value, metric.low, metric.high) == (1.0, 1.0, 1.0)


def test_grouped_is_one_metric_per_key_in_sorted_order():
    metrics = grouped([("b", True), ("a", False), ("b", None), ("b", False)])
    assert list(metrics) == ["a", "b"]
    assert metrics["b"].value == 0.5 and metrics["b"].unknown == 1
