using System.Globalization;

namespace EventsSubscriptions.Bench;

/// <summary>month: one subscription with a month of history of growing sizes, generated in SQL.</summary>
internal static class MonthScenario
{
    /// <summary>
    /// A subscription's cost with a month of history behind it: activation and the last page of its log
    /// (p50/p99 of repeated calls), before any history and at each size; then a retention run over the
    /// last size: the log's days and the deliveries' weeks dropped whole.
    /// </summary>
    public static async Task<int> RunAsync(BenchRun bench)
    {
        var (options, api, receiver, run) = bench;
        await using var cluster = await ClusterProbe.ConnectAsync(options);
        var resource = $"bench{run}";
        var id = await api.SubscribeAsync(resource, $"bench-{run}-month", receiver.HookUrl(0));
        var rows = new List<(long History, double Act50, double Act99, double Log50, double Log99)>();
        async Task MeasureAsync(long history)
        {
            var activation = new List<double>();
            var log = new List<double>();
            for (var i = 0; i < 20; i++)
            {
                await cluster.DeactivateIdleAsync();
                var watch = System.Diagnostics.Stopwatch.StartNew();
                if (await api.GetAsync($"/rest/v1/events-subscriptions/{id}") != 200)
                {
                    throw new InvalidOperationException($"GET subscription {id} failed");
                }
                activation.Add(watch.Elapsed.TotalMilliseconds);
            }
            for (var i = 0; i < 50; i++)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                await api.GetAsync($"/rest/v1/events-subscriptions/{id}/logs?limit=100");
                log.Add(watch.Elapsed.TotalMilliseconds);
            }
            static double P(List<double> values, double p) => values.Order().ElementAt((int)Math.Min(values.Count - 1, Math.Ceiling(p / 100 * values.Count) - 1));
            rows.Add((history, P(activation, 50), P(activation, 99), P(log, 50), P(log, 99)));
            Console.WriteLine($"  history {history:N0}: activation p50 {P(activation, 50):0.0} p99 {P(activation, 99):0.0} ms, last log page p50 {P(log, 50):0.0} p99 {P(log, 99):0.0} ms");
        }
        await MeasureAsync(0);
        long total = 0;
        var dropSeconds = 0.0;
        var outboxDropSeconds = 0.0;
        foreach (var size in options.History)
        {
            var add = size - total;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            // The next 30 days (partitions made for them): the log's days, and the finished deliveries'
            // (by the week of their event, whose version 7 id starts with its time).
            await SqlAsync(options, "SELECT delivery_log_add_partitions(now(), 31)");
            await SqlAsync(options, "SELECT delivery_add_partitions(now(), 31)");
            await SqlAsync(options, $"""
                INSERT INTO delivery_log (service_id, subscription_id, delivery_id, event_id, event_name, entity_key, attempt, outcome,
                                          status_code, duration_ms, created_on)
                SELECT '{options.ServiceId}', {id}, '{id}-h' || g, 'h' || g, 'entity:{resource}:updated', '{resource}/' || (g % 2000), 1,
                       'SUCCEEDED', 200, 3, now() + interval '1 day' + (g % 2592000) * interval '1 second'
                FROM generate_series({total + 1}, {size}) g
                """);
            await SqlAsync(options, $"""
                INSERT INTO delivery_outbox (service_id, subscription_id, event_id, entity_key, event_name, body, state, attempts, created_on, entity_seq)
                SELECT '{options.ServiceId}', {id}, event_id_at(t) || '-7000-8000-' || lpad(to_hex(g), 12, '0'), '{resource}/' || (g % 2000),
                       'entity:{resource}:updated', json_build_object('data', json_build_object('id', g % 2000))::text, 'SUCCEEDED', 1, t, g
                FROM generate_series({total + 1}, {size}) g
                CROSS JOIN LATERAL (SELECT now() + interval '1 day' + (g % 2592000) * interval '1 second' AS t) e
                """);
            // The log's per-day counts, as the service's own writes keep them.
            await SqlAsync(options, $"""
                INSERT INTO delivery_log_count (service_id, subscription_id, day, n)
                SELECT '{options.ServiceId}', {id}, (created_on AT TIME ZONE 'UTC')::date, count(*)
                FROM delivery_log WHERE service_id = '{options.ServiceId}' AND subscription_id = {id} AND event_id LIKE 'h%' AND delivery_id > '{id}-h'
                  AND substr(delivery_id, length('{id}-h') + 1)::bigint > {total}
                GROUP BY 3
                ON CONFLICT (service_id, subscription_id, day) DO UPDATE SET n = delivery_log_count.n + excluded.n
                """);
            await SqlAsync(options, "ANALYZE delivery_outbox; ANALYZE delivery_log");
            Console.WriteLine($"  {add:N0} log rows and finished deliveries added in {watch.Elapsed.TotalSeconds:0} s");
            total = size;
            await MeasureAsync(total);
        }
        {
            // Retention, as the job runs it: the log's days past (here: the 30 generated days), then
            // the deliveries' weeks (their finished deliveries; none is pending here), the last of
            // which ends up to a week after the generated month.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await SqlAsync(options, "SELECT delivery_log_drop_partitions(now() + interval '32 days')");
            dropSeconds = watch.Elapsed.TotalSeconds;
            watch.Restart();
            await SqlAsync(options, "SELECT delivery_outbox_drop_partitions(now() + interval '39 days')");
            outboxDropSeconds = watch.Elapsed.TotalSeconds;
        }
        Console.WriteLine();
        Console.WriteLine("| history (log rows, finished deliveries) | activation p50 / p99 ms | last log page p50 / p99 ms | vs none: activation p99 | vs none: log page p99 |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.History:N0} | {r.Act50:0.0} / {r.Act99:0.0} | {r.Log50:0.0} / {r.Log99:0.0} | {r.Act99 / rows[0].Act99:0.00} | {r.Log99 / rows[0].Log99:0.00} |"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| retention of {total:N0} rows | log: 31 days dropped in {dropSeconds:0.00} s | outbox: its weeks dropped in {outboxDropSeconds:0.00} s | | |"));
        return 0;
    }

    private static async Task<int> SqlAsync(BenchOptions options, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(options.Postgres);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection) { CommandTimeout = 3600 };
        return await command.ExecuteNonQueryAsync();
    }
}
