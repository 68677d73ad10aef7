"""What operators see of a running portal: structured logs (`logs`), Prometheus metrics (`metrics`)
and error reports to Sentry (`sentry`). Each is a well-kept library wired in; nothing is hand-made."""
