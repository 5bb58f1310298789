import Sentry

// Placeholder until the end-to-end driver lands.
print("sentry-e2e-driver: nothing to do")
