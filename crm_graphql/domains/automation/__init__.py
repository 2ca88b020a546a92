"""Automation and workflow: lead assignment rules and automation rules (trigger,
condition, action) run by event subscribers on the job queue."""
