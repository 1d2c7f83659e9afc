"""Models of the incentives app come with its issue; the app is registered so the layout and migrations are stable."""
