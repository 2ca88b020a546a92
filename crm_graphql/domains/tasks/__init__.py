"""Follow-up tasks with due times and reminders, about a customer, lead, opportunity or
order."""
