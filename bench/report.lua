-- wrk script: print one JSON line with throughput and latency percentiles (microseconds).

-- Every request comes from another address (behind the one trusted proxy), as the calendar
-- clients polling a feed do: per-address limits such as the iCal feed's then measure their cost,
-- not a wall of 429s.
local counter = 0
request = function()
  counter = counter + 1
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", counter % 251, math.floor(counter / 251) % 251, 1 + counter % 250)
  return wrk.format()
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1000000
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "non_2xx_3xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
