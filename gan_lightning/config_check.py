"""Checks of a composed config against the constructors it names, before anything is built: a value of
the wrong type (`model.n_critic=abc`) or a key the constructor does not take (`loss=...` for a model
that plays no adversarial game) becomes one line naming the key and what it takes, instead of a
TypeError from deep inside a network."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Union

from hydra.utils import get_object
from omegaconf import DictConfig, ListConfig, OmegaConf

from gan_lightning.errors import ConfigError

_KEYWORDS = {"_target_", "_partial_", "_recursive_", "_convert_", "_args_"}


def constructor_parameters(target: Any) -> tuple[dict[str, inspect.Parameter], dict[str, Any], bool]:
    """The keyword parameters a class or function takes, their type hints, and whether it takes other
    keywords too. A gan-lightning class's **kwargs are followed into its parents' __init__s (GAN's reach
    GANFamily's); another library's **kwargs may go anywhere, so they take any keyword."""
    ours = getattr(target, "__module__", "").startswith("gan_lightning.")
    if isinstance(target, type):
        callables = [klass.__init__ for klass in target.__mro__ if "__init__" in vars(klass)]
        callables = callables if ours else callables[:1]
    else:
        callables = [target]
    parameters: dict[str, inspect.Parameter] = {}
    hints: dict[str, Any] = {}
    for function in callables:
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            return parameters, hints, True
        try:
            hints.update(typing.get_type_hints(function))
        except Exception:  # noqa: BLE001 (unresolvable annotations: skip their types)
            pass
        own = {name: p for name, p in signature.parameters.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and name != "self"}
        parameters.update({name: p for name, p in own.items() if name not in parameters})
        if not any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
            return parameters, hints, False
        if function.__qualname__.split(".")[0] in ("LightningModule", "Module", "object", "HyperparametersMixin"):
            return parameters, hints, True
    return parameters, hints, True


def fits(value: Any, hint: Any) -> bool:
    """Whether a config value can stand for an argument annotated `hint` (unknown hints: yes)."""
    if hint is Any or isinstance(hint, (str, typing.TypeVar)):
        return True
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        return any(fits(value, argument) for argument in arguments)
    if origin is typing.Literal:
        return value in arguments
    if hint is type(None):
        return value is None
    if value is None:
        return False
    if isinstance(value, (DictConfig, Mapping)) and "_target_" in value:
        return True  # a part built from its own config: checked on its own
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    container = origin or hint
    if container in (list, tuple, Sequence):
        if not isinstance(value, (list, tuple, ListConfig)):
            return False
        homogeneous = len(arguments) == 1 or (len(arguments) == 2 and arguments[1] is Ellipsis)
        return all(fits(item, arguments[0]) for item in value) if arguments and homogeneous else True
    if container in (dict, Mapping):
        return isinstance(value, (dict, Mapping, DictConfig))
    return isinstance(value, hint) if isinstance(hint, type) and origin is None else True


def describe(hint: Any) -> str:
    names = {int: "an integer", float: "a number", bool: "true or false", str: "text", type(None): "null"}
    if typing.get_origin(hint) in (Union, types.UnionType):
        return " or ".join(describe(argument) for argument in typing.get_args(hint))
    if typing.get_origin(hint) is typing.Literal:
        return "one of " + ", ".join(map(str, typing.get_args(hint)))
    if typing.get_origin(hint) in (list, tuple, Sequence) or hint in (list, tuple):
        return "a list"
    if hint in (dict, Mapping) or typing.get_origin(hint) in (dict, Mapping):
        return "a config node"
    return names.get(hint, getattr(hint, "__name__", str(hint)))


def check_node(node: DictConfig, path: str) -> None:
    """Check one config node with a `_target_` (and the nodes with targets inside it)."""
    try:
        target = get_object(node["_target_"])
    except Exception as error:  # noqa: BLE001
        raise ConfigError(f"{path}._target_={node['_target_']} cannot be found ({error}): check its spelling") from None
    parameters, hints, open_keywords = constructor_parameters(target)
    name = getattr(target, "__name__", str(target))
    partial = bool(node.get("_partial_", False))
    for key in node:
        if key in _KEYWORDS or OmegaConf.is_missing(node, key):
            continue  # a missing value gets its own message when it is read
        value = node[key]
        if partial and value is None:
            continue  # a partial's placeholder, set by whoever completes the call
        if key not in parameters and not open_keywords:
            options = ", ".join(sorted(parameters))
            raise ConfigError(f"{path}.{key} is not an option of {name}: drop it (its options are {options})")
        if key in hints and not fits(value, hints[key]):
            raise ConfigError(f"{path}.{key}={value!r} is not {describe(hints[key])}: {name}'s {key} takes {describe(hints[key])}")
        check_tree(value, f"{path}.{key}")


def check_tree(value: Any, path: str) -> None:
    """Check every node with a `_target_` in a config subtree."""
    if isinstance(value, DictConfig):
        if "_target_" in value:
            check_node(value, path)
        else:
            for key in value:
                check_tree(value[key], f"{path}.{key}")
    elif isinstance(value, ListConfig):
        for index, item in enumerate(value):
            check_tree(item, f"{path}[{index}]")
