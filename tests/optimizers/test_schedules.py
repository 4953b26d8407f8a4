import math

import numpy as np
import pytest

from neurona import optimizers
from neurona.optimizers import schedules

from .helpers import make_params

STEPS = [0, 1, 5, 10, 15, 25, 40, 100]


def check(schedule, formula, steps=STEPS):
    for step in steps:
        assert schedule(step) == pytest.approx(formula(step), rel=1e-12, abs=1e-15), step
        assert isinstance(schedule(step), float)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    def formula(step):
        p = math.floor(step / 10) if staircase else step / 10
        return 0.1 * 0.5**p

    check(schedules.ExponentialDecay(0.1, 10, 0.5, staircase=staircase), formula)


def test_piecewise_constant_decay():
    s = schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [s(k) for k in (0, 10, 11, 20, 21, 100)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]


@pytest.mark.parametrize("cycle", [False, True])
@pytest.mark.parametrize("power", [1.0, 0.5, 2.0])
def test_polynomial_decay(cycle, power):
    def formula(step):
        decay_steps = 10.0
        if cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / 10)
        else:
            step = min(step, decay_steps)
        return (0.1 - 0.01) * (1 - step / decay_steps) ** power + 0.01

    check(schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=power, cycle=cycle),
          formula)


def test_polynomial_decay_default_end():
    assert schedules.PolynomialDecay(0.1, 10)(10) == pytest.approx(0.0001)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    def formula(step):
        p = math.floor(step / 10) if staircase else step / 10
        return 0.1 / (1 + 0.5 * p)

    check(schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=staircase), formula)


@pytest.mark.parametrize("alpha", [0.0, 0.2])
def test_cosine_decay(alpha):
    def formula(step):
        step = min(step, 30)
        return 0.1 * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * step / 30)) + alpha)

    check(schedules.CosineDecay(0.1, 30, alpha=alpha), formula)


def test_cosine_decay_with_warmup():
    def formula(step):
        step = min(step, 30 + 10)
        if step < 10:
            return (0.5 - 0.1) * step / 10 + 0.1
        return 0.5 * (0.5 * (1 + math.cos(math.pi * (step - 10) / 30)))

    s = schedules.CosineDecay(0.1, 30, warmup_target=0.5, warmup_steps=10)
    check(s, formula)
    assert s(10) == pytest.approx(0.5)


@pytest.mark.parametrize("t_mul, m_mul", [(2.0, 1.0), (1.0, 0.5), (1.5, 0.8)])
def test_cosine_decay_restarts(t_mul, m_mul):
    # period i lasts 10 * t_mul**i steps and starts at 0.1 * m_mul**i
    def formula(step):
        start, length, i = 0.0, 10.0, 0
        while step >= start + length:
            start += length
            length *= t_mul
            i += 1
        fraction = (step - start) / length
        return 0.1 * (0.9 * 0.5 * m_mul**i * (1 + math.cos(math.pi * fraction)) + 0.1)

    s = schedules.CosineDecayRestarts(0.1, 10, t_mul=t_mul, m_mul=m_mul, alpha=0.1)
    check(s, formula, steps=[0, 3, 9, 11, 19, 29, 31, 50, 69, 71])


SCHEDULES = [
    schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
    schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]),
    schedules.PolynomialDecay(0.1, 10, power=2.0, cycle=True),
    schedules.InverseTimeDecay(0.1, 10, 0.5),
    schedules.CosineDecay(0.1, 30, alpha=0.1, warmup_target=0.2, warmup_steps=5),
    schedules.CosineDecayRestarts(0.1, 10, t_mul=1.5),
]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: type(s).__name__)
def test_serialize_round_trip(schedule):
    config = schedules.serialize(schedule)
    assert config["class_name"] == type(schedule).__name__
    again = schedules.deserialize(config)
    assert type(again) is type(schedule)
    assert again.get_config() == schedule.get_config()
    assert [again(k) for k in STEPS] == [schedule(k) for k in STEPS]


def test_default_names():
    assert schedules.ExponentialDecay(0.1, 1, 0.5).name == "ExponentialDecay"
    assert schedules.PiecewiseConstantDecay([1], [1.0, 0.5]).name == "PiecewiseConstant"
    assert schedules.PolynomialDecay(0.1, 1).name == "PolynomialDecay"
    assert schedules.InverseTimeDecay(0.1, 1, 0.5).name == "InverseTimeDecay"
    assert schedules.CosineDecay(0.1, 1).name == "CosineDecay"
    assert schedules.CosineDecayRestarts(0.1, 1).name == "SGDRDecay"


def test_optimizer_uses_schedule_at_iterations():
    # SGD without momentum moves a parameter with gradient 1 by exactly the learning rate
    schedule = schedules.ExponentialDecay(0.1, 2, 0.5)
    params = make_params()
    opt = optimizers.SGD(params, learning_rate=schedule)
    for step in range(5):
        assert opt.learning_rate == schedule(step)
        before = params[2].data.copy()
        opt.zero_grad()
        params[2].grad[...] = 1.0
        opt.step()
        np.testing.assert_allclose(before - params[2].data, schedule(step), rtol=1e-12)
    assert opt.get_config()["learning_rate"] == schedules.serialize(schedule)
    again = optimizers.SGD.from_config(opt.get_config())
    assert isinstance(again._learning_rate, schedules.ExponentialDecay)


def test_schedule_learning_rate_not_settable_to_a_number():
    opt = optimizers.Adam(schedules.ExponentialDecay(0.1, 2, 0.5))
    with pytest.raises(TypeError, match="created with a LearningRateSchedule"):
        opt.learning_rate = 0.01
    opt.learning_rate = schedules.CosineDecay(0.2, 10)  # another schedule is fine
    assert opt.learning_rate == 0.2


@pytest.mark.parametrize("make", [
    lambda: schedules.ExponentialDecay(0.1, 0, 0.5),
    lambda: schedules.PolynomialDecay(0.1, -1),
    lambda: schedules.InverseTimeDecay(0.1, 0, 0.5),
    lambda: schedules.CosineDecay(0.1, 0),
])
def test_decay_steps_must_be_positive(make):
    with pytest.raises(ValueError, match=r"decay_steps must be > 0, got"):
        make()


def test_bad_arguments():
    with pytest.raises(ValueError, match="first_decay_steps must be > 0, got 0"):
        schedules.CosineDecayRestarts(0.1, 0)
    with pytest.raises(ValueError, match="t_mul must be > 0, got 0"):
        schedules.CosineDecayRestarts(0.1, 10, t_mul=0)
    with pytest.raises(ValueError, match="warmup_steps must be >= 0, got -1"):
        schedules.CosineDecay(0.1, 10, warmup_steps=-1)
    with pytest.raises(ValueError, match="boundaries should be 1 less than the length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5])
    with pytest.raises(ValueError, match=r"boundaries must be strictly increasing, got \[2, 1\]"):
        schedules.PiecewiseConstantDecay([2, 1], [1.0, 0.5, 0.1])


def test_deserialize_errors():
    with pytest.raises(ValueError, match="Unknown learning rate schedule 'Nope'. Valid names:"):
        schedules.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="deserialize expects a dict like"):
        schedules.deserialize("ExponentialDecay")
    with pytest.raises(TypeError, match="serialize expects a LearningRateSchedule, got float"):
        schedules.serialize(0.1)


def test_base_class_must_be_subclassed():
    with pytest.raises(NotImplementedError, match="must implement __call__"):
        schedules.LearningRateSchedule()(0)
    with pytest.raises(NotImplementedError, match="must implement get_config"):
        schedules.LearningRateSchedule().get_config()


def test_custom_schedule():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 1.0 / 2**step

        def get_config(self):
            return {}

    opt = optimizers.SGD(learning_rate=Halving())
    opt.iterations = 3
    assert opt.learning_rate == 0.125
    assert schedules.deserialize({"class_name": "Halving", "config": {}},
                                 custom_objects={"Halving": Halving})(1) == 0.5
