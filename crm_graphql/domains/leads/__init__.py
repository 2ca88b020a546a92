"""Sales force automation: leads captured from web forms, imports and e-mail, qualified,
and converted into customers, companies and opportunities."""
