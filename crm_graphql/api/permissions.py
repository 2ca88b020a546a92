"""Field-level read rules: declared once, on the field, and visible to clients.

A guarded field carries the ``@requires(roles: [...])`` directive in the schema and a
"Readable by ..." sentence in its description (introspection shows descriptions, not
directives). For a role outside the rule the field resolves to ``null`` and the
response gets one ``FORBIDDEN`` error for that field (at the path of its first
occurrence); the rest of the response is served. A denied field never calls its
resolver, so computed fields (``lifetimeValue``) run no SQL for it.

The check lives in the execution context (``crm_graphql.api.execution``), in front of every
resolver: the decision depends on the role and the field only, so it is made once per
field and request and each further row reads the kept answer. Unguarded fields keep
their plain resolvers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
)
from strawberry.schema_directive import Location

from crm_graphql.api.entities import ANY_ROW, WriteRule, entity_named
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.roles import Role


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    description="Only these roles may read the field; for others it is null and the "
    "response has a FORBIDDEN error for it.",
)
class Requires:
    roles: list[Role] = strawberry.field(description="The roles that may read the field.")


def _sorted(roles: Iterable[Role]) -> list[Role]:
    order = list(Role)
    return sorted(roles, key=order.index)


def _readable_by(roles: frozenset[Role]) -> str:
    return "Readable by " + ", ".join(role.value for role in _sorted(roles)) + "."


def readable_by(roles: frozenset[Role]) -> tuple[str, list[Requires]]:
    """The "Readable by ..." sentence and the ``@requires`` directive of a field only
    ``roles`` may read (for fields built by other helpers, e.g. a guarded list)."""
    return _readable_by(roles), [Requires(roles=_sorted(roles))]


def guarded_field(
    roles: frozenset[Role],
    description: str,
    *,
    attr: str | None = None,
) -> Any:
    """Declare a field only ``roles`` may read.

    With ``attr`` it is a plain column (``email: str | None = guarded_field(PERSONAL,
    "...", attr="email")``); without, it decorates a resolver method. The field must be
    nullable: a denied field is null.
    """
    full = f"{description} {_readable_by(roles)}"
    directives = [Requires(roles=_sorted(roles))]
    if attr is not None:
        return strawberry.field(description=full, directives=directives)

    def decorate(resolver: Callable[..., Any]) -> Any:
        return strawberry.field(resolver=resolver, description=full, directives=directives)

    return decorate


def field_rules(schema: Any) -> dict[tuple[str, str], frozenset[Role]]:
    """Every guarded field of a schema: (type name, field name) -> roles that may read."""
    return _rules_of(schema._schema)


def _rules_of(schema: GraphQLSchema) -> dict[tuple[str, str], frozenset[Role]]:
    rules: dict[tuple[str, str], frozenset[Role]] = {}
    for type_name, gtype in schema.type_map.items():
        fields = getattr(gtype, "fields", None)
        if type_name.startswith("__") or not isinstance(fields, dict):
            continue
        for field_name, field in fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            for directive in getattr(definition, "directives", ()) or ():
                if isinstance(directive, Requires):
                    rules[(type_name, field_name)] = frozenset(directive.roles)
    return rules


#: Keyed by the type object: object types, and interfaces whose fields are guarded.
_RULES_BY_TYPE: dict[int, dict[GraphQLNamedType, dict[str, frozenset[Role]]]] = {}


def rules_by_type(schema: GraphQLSchema) -> dict[GraphQLNamedType, dict[str, frozenset[Role]]]:
    """The guarded fields of ``schema`` grouped by their type object (built once)."""
    found = _RULES_BY_TYPE.get(id(schema))
    if found is None:
        found = {}
        for (type_name, field_name), roles in _rules_of(schema).items():
            found.setdefault(schema.type_map[type_name], {})[field_name] = roles
        _RULES_BY_TYPE[id(schema)] = found
    return found


def _reads_all(rules: dict[GraphQLNamedType, dict[str, frozenset[Role]]], principal: Any) -> bool:
    return principal is not None and all(
        principal.role in roles for fields in rules.values() for roles in fields.values()
    )


def denies_nothing(
    schema: GraphQLSchema, context: Any, operation: Any, fragments: Mapping[str, Any]
) -> bool:
    """Whether no field rule can deny the caller of ``context`` anything the executing
    ``operation`` selects: it may read every guarded field of the schema, or no field of
    the operation (its fragments included, whether a directive leaves a field out or
    not) is one it may not read on its type (on a type a selection cannot narrow, an
    interface or union, on any of the object types it may be). Decided from the
    document and the caller's role alone, so it is kept with the operation's prepared
    values (see ``Context.kept``)."""
    principal = getattr(context, "principal", None)
    if principal is None:
        return False
    rules = rules_by_type(schema)
    if _reads_all(rules, principal):
        return True
    kept_of = getattr(context, "kept", None)
    kept = kept_of(operation) if kept_of is not None else {}
    found = kept.get(_DENIES_NOTHING)
    if found is None:
        found = kept[_DENIES_NOTHING] = not _selects_denied(
            schema, rules, principal.role, operation, fragments
        )
    return bool(found)


_DENIES_NOTHING = ("denies nothing",)


def _selects_denied(
    schema: GraphQLSchema,
    rules: dict[GraphQLNamedType, dict[str, frozenset[Role]]],
    role: Role,
    operation: Any,
    fragments: Mapping[str, Any],
) -> bool:
    """Whether ``operation`` selects a field ``role`` may not read (True as well where
    the document cannot be followed, which only makes :func:`denies_nothing` False)."""
    pending: list[tuple[Any, SelectionSetNode | None]] = [
        (schema.get_root_type(operation.operation), operation.selection_set)
    ]
    spread: set[str] = set()
    while pending:
        parent, selection_set = pending.pop()
        if selection_set is None:
            continue
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            return True
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name.startswith("__"):
                    continue
                if _denied_on(schema, rules, role, parent, name):
                    return True
                if selection.selection_set is not None:
                    field = getattr(parent, "fields", {}).get(name)
                    if field is None:
                        return True
                    pending.append((get_named_type(field.type), selection.selection_set))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                narrowed = schema.get_type(condition.name.value) if condition else parent
                pending.append((narrowed, selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in spread:
                    continue
                spread.add(name)
                # The executor's fragments are details holding the definition; a
                # resolver's info holds the definitions themselves.
                fragment = getattr(fragments.get(name), "definition", fragments.get(name))
                if fragment is None:
                    return True
                narrowed = schema.get_type(fragment.type_condition.name.value)
                pending.append((narrowed, fragment.selection_set))
    return False


def _denied_on(
    schema: GraphQLSchema,
    rules: dict[GraphQLNamedType, dict[str, frozenset[Role]]],
    role: Role,
    parent: Any,
    name: str,
) -> bool:
    types = [parent]
    if is_abstract_type(parent):
        types.extend(schema.get_possible_types(parent))
    for gtype in types:
        roles = rules.get(gtype, {}).get(name)
        if roles is not None and role not in roles:
            return True
    return False


class FieldGate:
    """The read decisions of one request: made once per guarded field, then reused.

    Used by the execution context before a field resolves: a denied field is not
    resolved at all (no resolver call, no SQL) and the first denial of each field adds
    its ``FORBIDDEN`` error.
    """

    __slots__ = (
        "_decisions",
        "_fragments",
        "_operation",
        "_reads_all",
        "_rules",
        "_schema",
        "context",
    )

    def __init__(
        self,
        schema: GraphQLSchema,
        context: Any,
        operation: Any = None,
        fragments: Mapping[str, Any] | None = None,
    ) -> None:
        self._schema = schema
        self._rules = rules_by_type(schema)
        self._decisions: dict[tuple[GraphQLObjectType, str], bool] = {}
        self._reads_all: bool | None = None
        self._operation = operation
        self._fragments = fragments or {}
        self.context = context

    def allows_all(self) -> bool:
        """Whether no field of the operation can be denied to the caller: it may read
        every guarded field of the schema, or the operation selects none of those it
        may not read (see :func:`denies_nothing`; without an operation, the first)."""
        if self._reads_all is None:
            principal = getattr(self.context, "principal", None)
            if self._operation is None:
                self._reads_all = _reads_all(self._rules, principal)
            else:
                self._reads_all = denies_nothing(
                    self._schema, self.context, self._operation, self._fragments
                )
        return self._reads_all

    def guarded(self, parent_type: GraphQLObjectType) -> dict[str, frozenset[Role]] | None:
        """The rules of a type's fields, or None for a type without any."""
        return self._rules.get(parent_type)

    def allows(self, parent_type: GraphQLObjectType, field_name: str) -> bool:
        """Whether the caller may read a guarded field (decides nothing, reports nothing)."""
        principal = getattr(self.context, "principal", None)
        return principal is not None and principal.role in self._rules[parent_type][field_name]

    def denial(self, parent_type: GraphQLObjectType, field_name: str) -> CrmError | None:
        """None when the field may be read; the error to report on its first denial;
        otherwise raises nothing and returns ``_ALREADY_REPORTED``."""
        key = (parent_type, field_name)
        decided = self._decisions.get(key)
        if decided is None:
            roles = self._rules[parent_type][field_name]
            principal = getattr(self.context, "principal", None)
            allowed = principal is not None and principal.role in roles
            self._decisions[key] = allowed
            if not allowed:
                coordinate = f"{parent_type.name}.{field_name}"
                return CrmError(
                    f"Your role may not read {coordinate}.", ErrorCode.FORBIDDEN, field=coordinate
                )
            return None
        return None if decided else ALREADY_REPORTED


#: Returned by :meth:`FieldGate.denial` for a denied field whose error is already out.
ALREADY_REPORTED = CrmError("already reported", ErrorCode.FORBIDDEN)


# --------------------------------------------------------------------------- changes

#: Who may change which records: ADMIN everything; every other role what the entity
#: declares (``@entity(writers=...)``). Row level: ``own_only`` rules apply to the
#: records a user owns (the entity's ``owner``); ``fields`` rules allow changing only
#: the named fields. Every mutation asks :func:`may_change`.


def write_rule(role: Role, type_name: str) -> WriteRule | None:
    """The rule for ``role`` changing records of ``type_name``; None: no change allowed."""
    if role == Role.ADMIN:
        return ANY_ROW
    registered = entity_named(type_name)
    return registered.writers.get(role) if registered is not None else None


def may_change(
    role: Role,
    type_name: str,
    fields: Iterable[str],
    *,
    is_owner: bool,
    is_unowned: bool = False,
) -> bool:
    """Whether ``role`` may change ``fields`` of a ``type_name`` record (``is_unowned``:
    the record has no owner)."""
    rule = write_rule(role, type_name)
    if rule is None:
        return False
    if rule.own_only and not (is_owner or (rule.or_unowned and is_unowned)):
        return False
    return rule.fields is None or set(fields) <= rule.fields


def may_write_field(role: Role, type_name: str, field_name: str) -> bool:
    """Whether ``role`` may change ``field_name`` on some record of ``type_name``."""
    rule = write_rule(role, type_name)
    return rule is not None and (rule.fields is None or field_name in rule.fields)
