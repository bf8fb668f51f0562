"""What every feature stands on: the base model, audit, one clock, one loader, one pager, labels,
file downloads, dates and numbers for people, errors, and the helpers of a web request."""
