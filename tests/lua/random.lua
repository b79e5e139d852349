-- Prints draws of math.random and of a distribution: a function of --seed.
local e = exponential(1.0, "arrivals")
local out = {}
for i = 1, 5 do out[#out + 1] = string.format("%.17g", math.random()) end
for i = 1, 3 do out[#out + 1] = tostring(math.random(1, 1000000)) end
for i = 1, 3 do out[#out + 1] = string.format("%.17g", e:sample()) end
print(table.concat(out, " "))
