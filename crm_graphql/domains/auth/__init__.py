"""The auth domain: sign-in with passwords and tokens, API keys, login throttling."""
