"""Throttling per API token (issue 13 item 4).

An integrator's requests are counted per token, so two systems of one account do not starve each
other and a leaked token is slowed on its own; a signed-in session (the browsable API, the portal's
own calls) is counted per user, an anonymous caller per address. Rates in
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] ("user", "anon"), from the environment (API_USER_RATE,
API_ANON_RATE), read on each request so that a settings override takes effect. A 429 carries
Retry-After and the one error format (config/api_errors.py).
"""
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _RateFromSettings:
    def get_rate(self):
        # DRF binds the rates at import; read them now instead.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class TokenRateThrottle(_RateFromSettings, UserRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # AnonThrottle counts these
        token_id = getattr(request.auth, "pk", None)  # an ApiToken's pk is its key's digest
        ident = f"token-{token_id}" if token_id is not None else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    scope = "anon"
