"""The entity registry is complete: no kind of record is only partly registered."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from graphql import GraphQLInputObjectType, GraphQLObjectType

from crm_graphql.api.entities import entities
from crm_graphql.api.filters import FilterInput, IDFilter
from crm_graphql.api.references import _ReferenceType, foreign_keys
from crm_graphql.domains.support.types import TicketComment
from crm_graphql.modules import model_modules
from crm_graphql.schema import build_schema

SCHEMA = build_schema()._schema


def _python_class(gtype: object) -> type | None:
    definition = (getattr(gtype, "extensions", None) or {}).get("strawberry-definition")
    return getattr(definition, "origin", None)


def test_every_node_type_of_the_schema_is_a_registered_entity():
    registered = {entity.name for entity in entities()}
    node = SCHEMA.type_map["Node"]
    implementing = {
        name
        for name, gtype in SCHEMA.type_map.items()
        if isinstance(gtype, GraphQLObjectType) and node in gtype.interfaces
    }
    assert implementing == registered


def test_every_entity_model_is_in_a_model_module_the_database_knows():
    modules = set(model_modules())
    for entity in entities():
        assert entity.model.__module__ in modules, entity.name


def test_every_entity_appears_in_the_permissions_the_viewer_is_shown():
    for entity in entities():
        assert entity.in_permissions, entity.name
        assert entity.name in SCHEMA.type_map


def test_rules_on_own_records_name_who_owns_a_record():
    for entity in entities():
        if any(rule.own_only for rule in entity.writers.values()):
            assert entity.owner is not None, entity.name


def test_every_reference_filter_follows_a_foreign_key_of_its_model():
    for name, gtype in SCHEMA.type_map.items():
        origin = _python_class(gtype)
        if not isinstance(gtype, GraphQLInputObjectType) or origin is None:
            continue
        if not (isinstance(origin, type) and issubclass(origin, FilterInput)):
            continue
        assert getattr(origin, "model", None) is not None, f"{name} names no model"
        keys = foreign_keys(origin.model)
        for field in dataclasses.fields(origin):
            if field.type is IDFilter or "IDFilter" in str(field.type):
                assert field.name in keys, f"{name}.{field.name} is no foreign key"


def test_every_reference_field_of_an_entity_follows_a_foreign_key():
    for entity in entities():
        gtype = SCHEMA.type_map[entity.name]
        keys = foreign_keys(entity.model)
        for field_name, field in gtype.fields.items():
            definition = field.extensions.get("strawberry-definition")
            resolver = getattr(definition, "base_resolver", None)
            if resolver is not None and resolver.wrapped_func.__name__ == "_resolve_reference":
                assert definition.python_name in keys, f"{entity.name}.{field_name}"


def test_a_reference_cannot_reach_rows_a_read_rule_hides():
    """A reference applies soft-delete visibility, not a target's read rule (tickets of
    other customers for SALES): one to such an entity is refused at schema build time
    unless it says why the rule holds, and every existing one says so."""
    comment_ticket = SimpleNamespace(origin=TicketComment, python_name="ticket")
    with pytest.raises(TypeError, match="read rule"):
        _ReferenceType().apply(comment_ticket)  # type: ignore[arg-type]
    _ReferenceType("a comment is read with its ticket").apply(comment_ticket)  # type: ignore[arg-type]
