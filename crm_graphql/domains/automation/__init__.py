"""Automation and workflow: lead assignment rules and automation rules (trigger,
condition, action) run by event subscribers on the job queue."""

# The change hook that writes automation's events: registered wherever the domain's
# models are loaded (the server, the worker, the command line).
from crm_graphql.domains.automation import emitting as emitting
