"""Pure renderers: CheckResult -> str."""
