"""The customer-service domain: support tickets with SLA clocks counted in business
hours, comments, satisfaction surveys and the support dashboards."""
