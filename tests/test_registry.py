"""Registry: open discriminated unions for any pydantic model (API.md §1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Literal

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nshsched as S
from nshsched.config.tags import tag_list

# ---------------------------------------------------------------------- a private registry


class Shape(S.Config):
    """A test base class (each test builds its own registry, so nothing leaks)."""


class Circle(Shape):
    name: Literal["circle"] = "circle"
    radius: float = 1.0
    """Radius."""


class Square(Shape):
    name: Literal["square"] = "square"
    side: float = 2.0
    """Side."""


def shapes(*classes: type[Shape]) -> S.Registry[Shape]:
    registry = S.Registry(Shape)
    for cls in classes:
        registry.register(cls)
    return registry


@pytest.fixture
def restore_optimizer_registry() -> Iterator[None]:
    """Undo registrations a test makes in the global optimizer registry."""
    with S.optimizer_registry.scoped():
        yield


# ---------------------------------------------------------------------- registration


def test_register_returns_the_class_and_records_its_tag() -> None:
    registry = S.Registry(Shape)
    assert registry.register(Circle) is Circle
    assert registry.get("circle") is Circle
    assert "circle" in registry
    assert "CIRCLE" in registry
    assert "square" not in registry
    assert 3 not in registry


def test_tags_are_sorted() -> None:
    registry = shapes(Square, Circle)
    assert registry.tags() == ["circle", "square"]
    assert list(registry) == [Circle, Square]
    assert len(registry) == 2


def test_register_rejects_a_class_not_derived_from_the_base() -> None:
    class Other(S.Config):
        name: Literal["other"] = "other"

    with pytest.raises(S.RegistrationError, match=r"does not derive from Shape"):
        S.Registry(Shape).register(Other)  # type: ignore[type-var]
    with pytest.raises(S.RegistrationError, match=r"does not derive from Shape"):
        S.Registry(Shape).register(42)  # type: ignore[type-var]


@pytest.mark.parametrize(
    "annotation",
    [str, Literal["a", "b"], Literal["a"] | None],
    ids=["str", "two-value-literal", "optional-literal"],
)
def test_register_rejects_a_tag_that_is_not_a_one_value_literal(annotation: Any) -> None:
    cls = pydantic.create_model("Bad", __base__=Shape, name=(annotation, "a"))
    with pytest.raises(S.RegistrationError, match=r"must be a Literal of exactly one string"):
        S.Registry(Shape).register(cls)


def test_register_rejects_a_class_without_the_discriminator_field() -> None:
    class NoTag(Shape):
        radius: float = 1.0

    with pytest.raises(S.RegistrationError, match=r"has no 'name' field"):
        S.Registry(Shape).register(NoTag)


def test_register_rejects_a_non_string_tag() -> None:
    class IntTag(Shape):
        name: Literal[3] = 3

    with pytest.raises(S.RegistrationError, match=r"tag must be a string, got 3"):
        S.Registry(Shape).register(IntTag)


def test_register_rejects_a_duplicate_tag_naming_both_classes() -> None:
    class OtherCircle(Shape):
        name: Literal["circle"] = "circle"

    registry = shapes(Circle)
    with pytest.raises(S.RegistrationError, match=r"OtherCircle.*already taken by Circle"):
        registry.register(OtherCircle)
    assert registry.get("circle") is Circle  # the first registration is untouched


def test_register_rejects_a_tag_equal_after_normalization() -> None:
    class CircleCaps(Shape):
        name: Literal["Circle"] = "Circle"

    with pytest.raises(S.RegistrationError, match=r"CircleCaps.*already taken by Circle"):
        shapes(Circle).register(CircleCaps)


def test_registering_the_same_class_twice_is_harmless() -> None:
    registry = shapes(Circle)
    assert registry.register(Circle) is Circle
    assert registry.tags() == ["circle"]


def test_aliases_are_accepted_and_dumped_under_the_canonical_tag() -> None:
    class Ellipse(Shape):
        name: Literal["ellipse"] = "ellipse"
        aliases: ClassVar[tuple[str, ...]] = ("Oval",)

    registry = shapes(Ellipse)
    assert registry.get("oval") is Ellipse
    assert registry.construct({"name": "OVAL"}).model_dump() == {"name": "ellipse"}


# ---------------------------------------------------------------------- get / construct


def test_get_unknown_tag_is_a_key_error_with_the_closest_tag() -> None:
    with pytest.raises(KeyError, match=r"unknown name 'circel'.*circle, square.*'circle'"):
        shapes(Circle, Square).get("circel")


def test_construct_validates_a_mapping_and_returns_an_instance_unchanged() -> None:
    registry = shapes(Circle, Square)
    built = registry.construct({"name": "square", "side": 3})
    assert built == Square(side=3.0)
    circle = Circle(radius=5.0)
    assert registry.construct(circle) is circle


def test_construct_errors_are_validation_errors() -> None:
    registry = shapes(Circle)
    with pytest.raises(pydantic.ValidationError, match=r"unknown name 'squar'"):
        registry.construct({"name": "squar"})
    with pytest.raises(pydantic.ValidationError, match=r"radius"):
        registry.construct({"name": "circle", "radius": "big"})


# ---------------------------------------------------------------------- late registration


def test_late_registration_three_levels_deep_in_plain_pydantic_models() -> None:
    registry = shapes(Circle)
    ShapeField = Annotated[Shape, registry]

    class Leaf(pydantic.BaseModel):
        items: list[ShapeField] = []
        by_name: dict[str, ShapeField] = {}
        maybe: ShapeField | None = None

    class Middle(pydantic.BaseModel):
        leaf: Leaf

    class Top(pydantic.BaseModel):
        middle: Middle

    data = {
        "middle": {
            "leaf": {
                "items": [{"name": "circle"}, {"name": "square", "side": 4}],
                "by_name": {"a": {"name": "square"}},
                "maybe": {"name": "square"},
            }
        }
    }
    # Used once before Square exists: the square is rejected, a circle is accepted.
    with pytest.raises(pydantic.ValidationError, match=r"unknown name 'square'"):
        Top.model_validate(data)
    Top.model_validate({"middle": {"leaf": {"items": [{"name": "circle"}]}}})

    registry.register(Square)  # no rebuild, no decorator on Top
    top = Top.model_validate(data)
    leaf = top.middle.leaf
    assert leaf.items == [Circle(), Square(side=4.0)]
    assert leaf.by_name == {"a": Square()}
    assert leaf.maybe == Square()
    assert Top.model_validate({"middle": {"leaf": {"maybe": None}}}).middle.leaf.maybe is None


def test_a_user_optimizer_registered_late_is_accepted(restore_optimizer_registry: None) -> None:
    class Holder(pydantic.BaseModel):
        optimizer: S.OptimizerConfig

    Holder.model_validate({"optimizer": {"name": "adamw", "lr": 0.1}})

    @S.optimizer_registry.register
    class MyOptConfig(S.OptimizerConfigBase):
        name: Literal["my_opt"] = "my_opt"
        lr: float

        def create_optimizer(self, params: Any) -> Any:
            import torch

            return torch.optim.SGD(params, lr=self.lr)

    holder = Holder.model_validate({"optimizer": {"name": "my_opt", "lr": 0.5}})
    assert holder.optimizer == MyOptConfig(lr=0.5)
    assert Holder.model_validate_json(holder.model_dump_json()) == holder
    mapping = Holder.model_json_schema()["properties"]["optimizer"]["discriminator"]["mapping"]
    assert "my_opt" in mapping


# ---------------------------------------------------------------------- serialization


def scene_model(registry: S.Registry[Shape]) -> type[pydantic.BaseModel]:
    ShapeField = Annotated[Shape, registry]

    class Scene(pydantic.BaseModel):
        main: ShapeField
        others: list[ShapeField] = []
        named: dict[str, ShapeField | None] = {}

    return Scene


def test_dump_writes_the_full_subclass_and_round_trips() -> None:
    Scene = scene_model(shapes(Circle, Square))
    scene = Scene(main=Square(side=3.0), others=[Circle(radius=2.0)], named={"x": None})
    dumped = scene.model_dump()
    assert dumped == {
        "main": {"name": "square", "side": 3.0},
        "others": [{"name": "circle", "radius": 2.0}],
        "named": {"x": None},
    }
    assert Scene.model_validate(dumped) == scene
    assert Scene.model_validate_json(scene.model_dump_json()) == scene
    assert json.loads(scene.model_dump_json()) == dumped


@pytest.mark.parametrize("flag", ["exclude_defaults", "exclude_unset"])
def test_dump_keeps_the_tag_when_excluding_defaults_or_unset(flag: str) -> None:
    Scene = scene_model(shapes(Circle, Square))
    scene = Scene(main=Circle(), others=[Square(side=5.0)])
    dumped = scene.model_dump(**{flag: True})
    assert dumped["main"] == {"name": "circle"}
    assert dumped["others"] == [{"name": "square", "side": 5.0}]
    assert Scene.model_validate(dumped) == scene
    assert json.loads(scene.model_dump_json(**{flag: True})) == dumped


def test_optimizer_dump_round_trips_in_a_user_model() -> None:
    class Trainer(pydantic.BaseModel):
        optimizer: S.OptimizerConfig
        fallback: list[S.OptimizerConfig] = []

    trainer = Trainer(
        optimizer=S.AdamWConfig(lr=1e-3, betas=(0.8, 0.9)),
        fallback=[S.SGDConfig(lr=0.1, momentum=0.9, nesterov=True)],
    )
    assert trainer.model_dump()["optimizer"]["betas"] == (0.8, 0.9)
    assert Trainer.model_validate(trainer.model_dump()) == trainer
    assert Trainer.model_validate_json(trainer.model_dump_json()) == trainer
    assert trainer.model_dump(exclude_defaults=True) == {
        "optimizer": {"name": "adamw", "lr": 1e-3, "betas": (0.8, 0.9)},
        "fallback": [{"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True}],
    }


@settings(max_examples=50, deadline=None)
@given(
    # Every Config float is finite and at most MAX_MAGNITUDE (1e18) in magnitude.
    radius=st.floats(-1e18, 1e18),
    sides=st.lists(st.floats(-1e18, 1e18), max_size=3),
)
def test_round_trip_property(radius: float, sides: list[float]) -> None:
    Scene = scene_model(shapes(Circle, Square))
    scene = Scene(main=Circle(radius=radius), others=[Square(side=s) for s in sides])
    assert Scene.model_validate(scene.model_dump()) == scene
    assert Scene.model_validate_json(scene.model_dump_json()) == scene


# ---------------------------------------------------------------------- JSON schema


def _discriminated(schema: dict[str, Any]) -> dict[str, Any]:
    """The first ``oneOf`` node in a schema (searching depth-first)."""
    if "oneOf" in schema:
        return schema
    for value in schema.values():
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, dict):
                found = _discriminated(child)
                if found:
                    return found
    return {}


def test_schema_has_one_of_with_a_mapping_of_every_tag() -> None:
    Scene = scene_model(shapes(Circle, Square))
    schema = Scene.model_json_schema()
    node = schema["properties"]["main"]
    assert node["discriminator"]["propertyName"] == "name"
    assert set(node["discriminator"]["mapping"]) == {"circle", "square"}
    assert len(node["oneOf"]) == 2
    for tag, ref in node["discriminator"]["mapping"].items():
        definition = schema["$defs"][ref.rsplit("/", 1)[-1]]
        assert definition["properties"]["name"]["const"] == tag
    # attribute docstrings become descriptions
    assert schema["$defs"]["Circle"]["properties"]["radius"]["description"] == "Radius."
    json.dumps(schema)


def test_optimizer_schema_maps_every_registered_optimizer() -> None:
    class Trainer(pydantic.BaseModel):
        optimizer: S.OptimizerConfig

    node = Trainer.model_json_schema()["properties"]["optimizer"]
    assert node["discriminator"]["propertyName"] == "name"
    assert set(node["discriminator"]["mapping"]) == set(S.optimizer_registry.tags())
    assert len(node["oneOf"]) == len(S.optimizer_registry.tags())


def test_schema_of_a_recursive_model_through_the_registry_terminates() -> None:
    class Node(S.Config):
        pass

    nodes = S.Registry(Node)

    @nodes.register
    class Group(Node):
        name: Literal["group"] = "group"
        children: list[Annotated[Node, nodes]] = pydantic.Field(default_factory=list)
        """Sub-nodes, themselves any registered node (this group included)."""

    @nodes.register
    class Leaf(Node):
        name: Literal["leaf"] = "leaf"

    class Document(pydantic.BaseModel):
        root: Annotated[Node, nodes]

    schema = Document.model_json_schema()
    assert set(schema["properties"]["root"]["discriminator"]["mapping"]) == {"group", "leaf"}
    children = schema["$defs"]["Group"]["properties"]["children"]["items"]
    assert set(children["discriminator"]["mapping"]) == {"group", "leaf"}
    json.dumps(schema)
    document = Document.model_validate(
        {"root": {"name": "group", "children": [{"name": "leaf"}, {"name": "group"}]}}
    )
    assert document.root == Group(children=[Leaf(), Group()])
    assert Document.model_validate_json(document.model_dump_json()) == document


# ---------------------------------------------------------------------- errors


class Trainer(pydantic.BaseModel):
    optimizer: S.OptimizerConfig


def test_unknown_tag_names_it_lists_the_tags_and_suggests_the_closest() -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        Trainer.model_validate({"optimizer": {"name": "adamww", "lr": 1.0}})
    message = str(info.value)
    assert "'adamww'" in message
    # the registered tags, as many as fit (timm's ~100 optimizers, when installed, are
    # counted after the first ones rather than all listed)
    assert tag_list(S.optimizer_registry.tags()) in message
    assert "adamw" in message and "sgd" in message
    assert "did you mean 'adamw'?" in message
    assert info.value.errors()[0]["loc"] == ("optimizer",)
    assert info.value.errors()[0]["type"] == "unknown_tag"


def test_missing_tag_and_wrong_type_are_clear_errors() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"missing 'name': which"):
        Trainer.model_validate({"optimizer": {"lr": 1.0}})
    with pytest.raises(
        pydantic.ValidationError,
        match=r"expected a mapping \{name: <tag>, \.\.\.\} for OptimizerConfig",
    ):
        Trainer.model_validate({"optimizer": "adamw"})
    with pytest.raises(pydantic.ValidationError, match=r"unknown name 3"):
        Trainer.model_validate({"optimizer": {"name": 3}})


def test_misspelled_field_is_a_validation_error() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"weight_decy") as info:
        Trainer.model_validate({"optimizer": {"name": "adamw", "lr": 1.0, "weight_decy": 0.1}})
    assert info.value.errors()[0]["type"] == "extra_forbidden"
    assert info.value.errors()[0]["loc"] == ("optimizer", "weight_decy")


@pytest.mark.parametrize(
    ("alias", "tag"),
    [
        ("AdamW", "adamw"),
        ("ADAMW", "adamw"),
        ("RMSprop", "rmsprop"),
        ("SparseAdam", "sparse_adam"),
        ("sparse-adam", "sparse_adam"),
        ("LBFGS", "lbfgs"),
        ("NAdam", "nadam"),
        ("ASGD", "asgd"),
        ("SGD", "sgd"),
    ],
)
def test_torch_names_are_case_insensitive_aliases_dumped_canonically(alias: str, tag: str) -> None:
    trainer = Trainer.model_validate({"optimizer": {"name": alias, "lr": 0.5}})
    assert trainer.optimizer.name == tag  # type: ignore[attr-defined]
    assert trainer.model_dump()["optimizer"]["name"] == tag
    assert json.loads(trainer.model_dump_json())["optimizer"]["name"] == tag
    assert S.optimizer_registry.get(alias) is S.optimizer_registry.get(tag)


def test_error_locations_are_precise_in_nested_user_models() -> None:
    class Run(pydantic.BaseModel):
        trainer: Trainer

    with pytest.raises(pydantic.ValidationError) as info:
        Run.model_validate({"trainer": {"optimizer": {"name": "adamw", "lr": -1.0}}})
    (error,) = info.value.errors()
    assert error["loc"] == ("trainer", "optimizer", "lr")
    assert error["type"] == "greater_than_equal"
    assert "trainer.optimizer.lr" in str(info.value)

    with pytest.raises(pydantic.ValidationError) as info:
        Run.model_validate({"trainer": {"optimizer": {"name": "adam", "lr": 1, "betas": [0.9, 1]}}})
    assert info.value.errors()[0]["loc"] == ("trainer", "optimizer", "betas", 1)


def test_an_instance_of_an_unregistered_subclass_is_rejected() -> None:
    class Unregistered(S.OptimizerConfigBase):
        name: Literal["unregistered"] = "unregistered"

        def create_optimizer(self, params: Any) -> Any:
            raise NotImplementedError

    with pytest.raises(pydantic.ValidationError, match=r"Unregistered is not registered"):
        Trainer(optimizer=Unregistered())
    with pytest.raises(pydantic.ValidationError, match=r"Circle is not registered"):
        Trainer(optimizer=Circle())  # type: ignore[arg-type]
    # a registered instance is kept as is
    adamw = S.AdamWConfig(lr=1.0)
    assert Trainer(optimizer=adamw).optimizer is adamw
