"""Validation rules that refuse a document before anything runs: depth, aliases, root
fields, introspection. Each is built once per schema (not per request: the validation
cache is keyed by the rule classes) and reports errors with their own code."""

from __future__ import annotations

from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

from crm_graphql.api.errors import ErrorCode
from crm_graphql.settings import Settings


class _CodingContext:
    """A validation context whose reported errors get ``extensions.code``."""

    def __init__(self, context: ValidationContext, code: ErrorCode) -> None:
        self._context = context
        self._code = str(code)

    def report_error(self, error: GraphQLError) -> None:
        error.extensions = {**(error.extensions or {}), "code": self._code}
        self._context.report_error(error)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def coded(rule: type[ValidationRule], code: ErrorCode) -> type[ValidationRule]:
    """``rule`` whose errors carry ``extensions.code`` (it may report through its
    context, as strawberry's limiters do, or through itself)."""

    # The base is the rule given, a class known only at run time.
    class Coded(rule):  # type: ignore[valid-type,misc]
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(_CodingContext(context, code))

    Coded.__name__ = f"Coded{rule.__name__}"
    return Coded


def root_field_validator(max_root_fields: int) -> type[ValidationRule]:
    """A rule refusing operations with more than ``max_root_fields`` root fields
    (counted through fragments, aliases included: each is resolved separately)."""

    class MaxRootFields(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            definitions = context.document.definitions
            fragments = {
                d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)
            }
            for operation in definitions:
                if not isinstance(operation, OperationDefinitionNode):
                    continue
                count = _root_field_count(operation.selection_set, fragments, {})
                if count > max_root_fields:
                    self.report_error(
                        GraphQLError(
                            f"{count} root fields in one operation; at most {max_root_fields} "
                            "are allowed.",
                            operation,
                            extensions={"code": str(ErrorCode.TOO_MANY_ROOT_FIELDS)},
                        )
                    )

    return MaxRootFields


def _root_field_count(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    counted: dict[str, int],
) -> int:
    """Root fields selected, through fragments: each fragment is counted once and its
    count reused for every spread of it (linear, however often it is spread). The
    document's expanded size was checked first, so spreads nest boundedly and a cycle
    was refused; a cycle here still counts as nothing."""
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            count += 1
        elif isinstance(selection, InlineFragmentNode):
            count += _root_field_count(selection.selection_set, fragments, counted)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in counted:
                fragment = fragments.get(name)
                counted[name] = 0  # a cycle adds nothing (validation reports it)
                if fragment is not None:
                    counted[name] = _root_field_count(fragment.selection_set, fragments, counted)
            count += counted[name]
    return count


def validation_rules(settings: Settings) -> list[type[ASTValidationRule]]:
    """The limit rules for ``settings`` (a limit of 0 adds no rule)."""
    rules: list[Any] = [
        coded(depth_validator(settings.max_query_depth, None), ErrorCode.QUERY_TOO_COMPLEX)
    ]
    if settings.max_aliases:
        rules.append(coded(alias_validator(settings.max_aliases), ErrorCode.TOO_MANY_ALIASES))
    if settings.max_root_fields:
        rules.append(root_field_validator(settings.max_root_fields))
    if not settings.introspection:
        rules.append(coded(NoSchemaIntrospectionCustomRule, ErrorCode.INTROSPECTION_DISABLED))
    return rules
