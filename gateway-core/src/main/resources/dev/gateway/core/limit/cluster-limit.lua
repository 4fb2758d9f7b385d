-- One decision of a scope: cluster limit, atomic on the node that holds KEYS[1]. See ClusterLimits.
-- ARGV[1] is the operation:
--   decide ARGV[2] n, then for each of KEYS[1..n] four arguments: 'tb', interval (us), capacity (us), queue (us)
--          for a token bucket (a GCRA cell on Redis's clock, TIME: KEYS[i] holds the theoretical arrival time in
--          microseconds and expires when the bucket is full again; with queue > 0 the token may be reserved up to
--          that long ahead: a fill
--          above the capacity is a reservation, due in fill - capacity), or 'q', limit, time to live (ms), 0 for a
--          quota count (KEYS[i] names the window; it expires after it). All of one request's limits whose keys share a hash tag, decided at once: either
--          every one admits and all are taken, or nothing is written. Returns {0, value 1, ..., value n} (a
--          bucket's fill after taking in us, a quota's count after), or {i, minus the wait in us (bucket) or -1
--          (quota)} for the first limit i that refuses.
--   lease  ARGV[2] interval (us), ARGV[3] capacity (us), ARGV[4] tokens wanted: takes up to that many tokens at
--          once for a node to spend locally (token leasing). Returns {granted, fill after (us)} when at least one
--          token was free, else {0, minus the microseconds until one is}.
--   ptake  ARGV[2] group g (from 0), ARGV[3] n groups, then per group h: interval (us), most fill allowed (us), then
--          the key's time to live (ms): a rate split among priority groups (PriorityShares, in Redis). KEYS[1] is a
--          hash of each group's theoretical arrival time. Takes from g's bucket, else borrows from the others in
--          order, each only up to its most fill allowed (its capacity less the reserve kept for its owner). Returns
--          {h, fill after (us)} for the bucket taken from, or {-1, minus the microseconds until g's has a token}.
--   pgive  ARGV[2] group h, ARGV[3] amount (us): gives a token back to group h's bucket.
--   give   ARGV[2] amount (us): gives tokens back (another limit refused the request; a lease's unspent tokens).
--   uncount                       : uncounts one request (another limit refused it).
if redis.replicate_commands then
    redis.replicate_commands() -- Redis < 5: replicate the effects, not the script (it reads TIME)
end
-- Redis's clock, in microseconds.
local function clock()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
-- A bucket's theoretical arrival time as stored (nil: absent, a full bucket), never earlier than now.
local function arrival(stored, now)
    local tat = tonumber(stored) or now
    if tat < now then
        return now
    end
    return tat
end
local op = ARGV[1]
if op == 'decide' then
    local n = tonumber(ARGV[2])
    local now = clock()
    local out = {0}
    local tats = {}
    for i = 1, n do
        local kind = ARGV[4 * i - 1]
        local a = tonumber(ARGV[4 * i])
        local b = tonumber(ARGV[4 * i + 1])
        if kind == 'tb' then
            local tat = arrival(redis.call('GET', KEYS[i]), now)
            local fill = tat + a - now
            if fill > b + tonumber(ARGV[4 * i + 2]) then
                return {i, -(fill - b)}
            end
            tats[i] = tat + a
            out[i + 1] = fill
        else
            local count = tonumber(redis.call('GET', KEYS[i])) or 0
            if count >= a then
                return {i, -1}
            end
            out[i + 1] = count + 1
        end
    end
    for i = 1, n do
        if ARGV[4 * i - 1] == 'tb' then
            redis.call('SET', KEYS[i], string.format("%.0f", tats[i]), 'PX', math.floor(out[i + 1] / 1000) + 1)
        elseif redis.call('INCR', KEYS[i]) == 1 then
            redis.call('PEXPIRE', KEYS[i], ARGV[4 * i + 1])
        end
    end
    return out
elseif op == 'lease' then
    local interval = tonumber(ARGV[2])
    local capacity = tonumber(ARGV[3])
    local now = clock()
    local tat = arrival(redis.call('GET', KEYS[1]), now)
    local free = math.floor((capacity - (tat - now)) / interval)
    if free < 1 then
        return {0, -(tat + interval - now - capacity)}
    end
    local granted = math.min(free, tonumber(ARGV[4]))
    tat = tat + granted * interval
    redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1)
    return {granted, tat - now}
elseif op == 'ptake' then
    local g = tonumber(ARGV[2])
    local n = tonumber(ARGV[3])
    local now = clock()
    local own = 0
    for k = 0, n - 1 do
        local h = (k == 0) and g or ((k <= g) and (k - 1) or k)
        local interval = tonumber(ARGV[4 + 2 * h])
        local most = tonumber(ARGV[5 + 2 * h])
        if most > 0 then
            local tat = arrival(redis.call('HGET', KEYS[1], tostring(h)), now)
            local fill = tat + interval - now
            if fill <= most then
                redis.call('HSET', KEYS[1], tostring(h), string.format('%.0f', tat + interval))
                redis.call('PEXPIRE', KEYS[1], ARGV[4 + 2 * n])
                return {h, fill}
            end
            if h == g then
                own = -(fill - most)
            end
        end
    end
    return {-1, own}
elseif op == 'pgive' then
    if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1 then
        redis.call('HINCRBY', KEYS[1], ARGV[2], -tonumber(ARGV[3]))
    end
    return 0
elseif op == 'give' then
    local tat = tonumber(redis.call('GET', KEYS[1]))
    if tat then
        redis.call('SET', KEYS[1], string.format('%.0f', tat - tonumber(ARGV[2])), 'KEEPTTL')
    end
    return 0
elseif op == 'uncount' then
    local count = tonumber(redis.call('GET', KEYS[1]))
    if count and count > 0 then
        redis.call('DECR', KEYS[1])
    end
    return 0
end
return redis.error_reply('unknown operation ' .. tostring(op))
