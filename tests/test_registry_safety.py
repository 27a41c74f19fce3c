"""Registries under threads, notebooks and tests (API.md §8): thread safety, re-registration,
``unregister``, ``scoped`` and well-formed tags."""

from __future__ import annotations

import itertools
import textwrap
import threading
from typing import Any, Literal

import pydantic
import pytest

import nshsched as S
from _helpers.processes import output_of, run_code


class Shape(S.Config):
    """A test base class; each test makes its own registry."""


_COUNT = itertools.count()


def _shape(tag: str, base: type[Shape] = Shape) -> type[Shape]:
    """A new class (each with a name of its own) whose tag is ``tag``, unchecked."""
    return type(
        f"Shape{next(_COUNT)}",
        (base,),
        {"__annotations__": {"name": Literal[tag]}, "name": tag},  # type: ignore[valid-type]
    )


# ---------------------------------------------------------------------- threads


def test_first_use_from_many_threads_sees_every_builtin() -> None:
    # A fresh interpreter, so the registries fill for the first time while 24 threads read
    # them at once, half of them through the module that defines the registry.
    code = textwrap.dedent(
        """
        import threading
        barrier = threading.Barrier(24)
        seen = []

        def reader(i):
            barrier.wait()
            if i % 2:
                from nshsched.lr_scheduler.base import lr_scheduler_registry as lrs
                from nshsched.optimizer.base import optimizer_registry as opts
            else:
                import nshsched as S
                lrs, opts = S.lr_scheduler_registry, S.optimizer_registry
            seen.append((len(lrs.tags()), "cosine" in lrs, len(opts), opts.get("AdamW").__name__))

        threads = [threading.Thread(target=reader, args=(i,)) for i in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(sorted(set(seen)))
        """
    )
    for _ in range(4):  # the race is timing-dependent: several fresh interpreters
        out = output_of(run_code(code))
        builtins = [c for c in S.lr_scheduler_registry if c.__module__.startswith("nshsched.")]
        expected = [(len(builtins), True, 18, "AdamWConfig")]  # torch's 15, schedule-free 3
        assert out.strip() == str(expected)


def test_two_threads_registering_one_tag_one_wins() -> None:
    registry = S.Registry(Shape)
    contenders = [_shape("disc") for _ in range(8)]
    barrier = threading.Barrier(len(contenders))
    outcomes: list[str] = []

    def register(cls: type[Shape]) -> None:
        barrier.wait()
        try:
            registry.register(cls)
            outcomes.append("won")
        except S.RegistrationError as error:
            assert "is already taken by" in str(error)
            outcomes.append("refused")

    threads = [threading.Thread(target=register, args=(c,)) for c in contenders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["won"]
    assert registry.get("disc") in contenders


# ---------------------------------------------------------------------- notebooks


def _cell() -> type[Shape]:
    """What a notebook cell does: define a class (same module, same qualified name)."""

    class Disc(Shape):
        name: Literal["disc"] = "disc"
        radius: float = 1.0

    return Disc


def test_a_rerun_cell_replaces_the_class_with_a_warning() -> None:
    registry = S.Registry(Shape)
    first, second = _cell(), _cell()
    assert first is not second and first.__qualname__ == second.__qualname__
    registry.register(first)
    with pytest.warns(UserWarning, match=r"name='disc': .*_cell.<locals>.Disc was registered "):
        registry.register(second)
    assert registry.get("disc") is second
    assert registry.tags() == ["disc"]
    assert type(registry.construct({"name": "disc"})) is second


def test_another_class_under_a_taken_tag_is_still_refused() -> None:
    registry = S.Registry(Shape)
    registry.register(_cell())
    with pytest.raises(S.RegistrationError, match=r"'disc' is already taken by .*Disc"):
        registry.register(_shape("disc"))


# ---------------------------------------------------------------------- unregister, scoped


def test_unregister_removes_a_user_class_and_its_aliases() -> None:
    registry = S.Registry(Shape)
    cls = _shape("disc")
    cls.aliases = ("Round",)  # type: ignore[attr-defined]
    registry.register(cls)
    assert "round" in registry
    assert registry.unregister("ROUND") is cls
    assert "disc" not in registry and "round" not in registry and registry.tags() == []
    with pytest.raises(KeyError, match=r"unknown name 'disc'"):
        registry.unregister("disc")
    registry.register(_shape("round"))  # the alias is free again


def test_builtins_cannot_be_unregistered() -> None:
    with pytest.raises(
        S.RegistrationError,
        match=r"cannot unregister name='adamw': it is a built-in \(AdamWConfig\); only classes "
        r"you registered can be removed",
    ):
        S.optimizer_registry.unregister("AdamW")
    with pytest.raises(S.RegistrationError, match=r"name='cosine': it is a built-in"):
        S.lr_scheduler_registry.unregister("cosine")
    assert "adamw" in S.optimizer_registry and "cosine" in S.lr_scheduler_registry


def test_unregistered_tags_are_refused_by_models_at_once() -> None:
    class Half(S.ClosedFormLRSchedulerConfigBase):
        name: Literal["half_rate"] = "half_rate"

        def multiplier(self, step: Any, length: S.TrainingLength) -> float:
            return 0.5

    with S.lr_scheduler_registry.scoped():
        S.lr_scheduler_registry.register(Half)
        config = S.OptimizationConfig.model_validate(
            {"optimizer": {"name": "sgd", "lr": 0.1}, "scheduler": {"name": "half_rate"}}
        )
        S.lr_scheduler_registry.unregister("half_rate")
        with pytest.raises(pydantic.ValidationError, match=r"unknown name 'half_rate'"):
            S.OptimizationConfig.model_validate(config.model_dump())


def test_scoped_undoes_registrations_and_unregistrations() -> None:
    registry = S.Registry(Shape)
    kept = _shape("kept")
    registry.register(kept)
    with registry.scoped() as inner:
        assert inner is registry
        registry.register(_shape("temporary"))
        registry.unregister("kept")
        with registry.scoped():
            registry.register(_shape("deeper"))
        assert registry.tags() == ["temporary"]
    assert registry.tags() == ["kept"] and registry.get("kept") is kept


def test_scoped_undoes_even_when_the_block_raises() -> None:
    with S.optimizer_registry.scoped():  # installed plugins load on entry, once
        before = S.optimizer_registry.tags()
    with pytest.raises(RuntimeError, match="boom"), S.optimizer_registry.scoped():

        @S.optimizer_registry.register
        class Mine(S.OptimizerConfigBase):
            name: Literal["mine_for_scoped"] = "mine_for_scoped"

            def create_optimizer(self, params: Any) -> Any:
                raise NotImplementedError

        assert "mine_for_scoped" in S.optimizer_registry
        raise RuntimeError("boom")
    assert "mine_for_scoped" not in S.optimizer_registry
    assert S.optimizer_registry.tags() == before


# ---------------------------------------------------------------------- tags


@pytest.mark.parametrize("tag", ["___", "_", "", "café", "a-b", "a b", "a.b", "ünï"])
def test_malformed_tags_are_refused(tag: str) -> None:
    registry = S.Registry(Shape)
    with pytest.raises(S.RegistrationError, match=r"is not a valid name; use ASCII letters"):
        registry.register(_shape(tag))
    assert registry.tags() == []


def test_malformed_aliases_are_refused() -> None:
    cls = _shape("disc")
    cls.aliases = ("___",)  # type: ignore[attr-defined]
    with pytest.raises(S.RegistrationError, match=r"'___' is not a valid name"):
        S.Registry(Shape).register(cls)


@pytest.mark.parametrize("tag", ["a", "A1", "my_tag", "_private", "x9_y"])
def test_well_formed_tags_are_accepted(tag: str) -> None:
    registry = S.Registry(Shape)
    registry.register(_shape(tag))
    assert registry.tags() == [tag]
