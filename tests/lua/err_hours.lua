-- A misspelt day in resource{hours =} is refused with the line and the forms allowed.
local office = resource{name = "office",
  hours = {{days = "Mon-Fry", from = "08:30", to = "12:00", capacity = 1}}} --> here
