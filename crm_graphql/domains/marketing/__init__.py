"""Marketing: saved customer segments, campaigns with their members and responses,
consent per channel, the public unsubscribe link and campaign results."""

# The change hook that keeps Customer.marketingConsent and the EMAIL consent in step:
# registered wherever the domain's models are loaded.
from crm_graphql.domains.marketing import consent as consent
