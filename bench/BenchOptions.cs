using System.Globalization;

namespace EventsSubscriptions.Bench;

/// <summary>The command line: <c>--scenario NAME</c> and <c>--name value</c> pairs (see README in bench/).</summary>
internal sealed class BenchOptions
{
    public string Scenario { get; private set; } = "load";
    public string Gateway { get; private set; } = "http://127.0.0.1:8080";
    public string Token { get; private set; } = "";
    public string Postgres { get; private set; } = "Host=127.0.0.1;Port=55432;Username=postgres;Database=events_subscriptions";
    public string Redis { get; private set; } = "127.0.0.1:6380";
    public string ClusterId { get; private set; } = "events-subscriptions";
    public string ServiceId { get; private set; } = "events-subscriptions";

    /// <summary>Events to send; ignored when <see cref="Duration"/> is set.</summary>
    public int Events { get; private set; } = 20_000;

    /// <summary>Send for this many seconds instead of a count (fault injection runs).</summary>
    public double Duration { get; private set; }

    /// <summary>
    /// Scenario load: first send for this many seconds (at --rate, to the same subscriptions and
    /// entities), wait for those deliveries, then measure: the measured run starts on subscription
    /// grains, connections and a receiver already warm, as a sustained rate finds them.
    /// </summary>
    public double Warmup { get; private set; }

    /// <summary>These options for the warm-up run: its duration, no warm-up of its own.</summary>
    public BenchOptions ForWarmup()
    {
        var copy = (BenchOptions)MemberwiseClone();
        copy.Duration = Warmup;
        copy.Warmup = 0;
        return copy;
    }

    /// <summary>These options for one timed run at <paramref name="rate"/> events per second.</summary>
    public BenchOptions ForRun(double rate, double duration)
    {
        var copy = (BenchOptions)MemberwiseClone();
        copy.Rate = rate;
        copy.Duration = duration;
        copy.Warmup = 0;
        return copy;
    }

    /// <summary>Subscription changes per second while the many scenario's events flow.</summary>
    public double Changes { get; private set; } = 100;

    /// <summary>At most this many events per second (0: as fast as the concurrency allows).</summary>
    public double Rate { get; private set; }

    /// <summary>Subscriptions that match every event.</summary>
    public int Subscriptions { get; private set; } = 10;

    /// <summary>Subscriptions of the same resource and trigger whose filter never matches.</summary>
    public int NonMatching { get; private set; }

    public int Concurrency { get; private set; } = 64;
    public int Entities { get; private set; } = 200;

    /// <summary>Each entity change carries this many KiB of padding (scenario outage: entities of 8 KiB or more).</summary>
    public double EntityKb { get; private set; }

    /// <summary>The share of calls the receiver answers with 500, at random.</summary>
    public double FailRate { get; private set; }

    /// <summary>How long to wait for every delivery after the last event was accepted.</summary>
    public double WaitMinutes { get; private set; } = 20;

    /// <summary>Scenario growth: the total subscription counts to measure (10 of each match).</summary>
    public int[] Steps { get; private set; } = [10, 1_000, 10_000];

    /// <summary>Scenario many: how many subscriptions to create.</summary>
    public int Create { get; private set; } = 100_000;

    /// <summary>Scenario month: the history sizes to measure, in log rows (and as many finished deliveries) of one subscription.</summary>
    public int[] History { get; private set; } = [1_000_000, 4_000_000];

    /// <summary>Skip the plain HttpClient limit loop.</summary>
    public bool NoLimit { get; private set; }

    /// <summary>Scenarios many and idle: the resource the subscriptions listen to (default: a new one).</summary>
    public string Resource { get; private set; } = "";

    /// <summary>A label printed with the results.</summary>
    public string Label { get; private set; } = "";

    /// <summary>The subscriptions' delivery.maxInFlight (the service's default when not given).</summary>
    public int? MaxInFlight { get; private set; }

    /// <summary>The address the local receiver listens on (the machine's address on scripts/hosts.sh's network, for silos on other hosts).</summary>
    public string ReceiverAddress { get; private set; } = "127.0.0.1";

    /// <summary>The silos' Prometheus endpoints: the run's latency quantiles are also read from them (the local stack's two).</summary>
    public string[] Metrics { get; private set; } = ["http://localhost:9101/metrics", "http://localhost:9102/metrics"];

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--no-limit")
            {
                options.NoLimit = true;
                continue;
            }
            if (!name.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"unexpected argument '{name}' (options are --name value)");
            }
            var value = args[++i];
            double Number() => double.Parse(value, CultureInfo.InvariantCulture);
            switch (name[2..])
            {
                case "scenario": options.Scenario = value; break;
                case "gateway": options.Gateway = value; break;
                case "token": options.Token = value; break;
                case "postgres": options.Postgres = value; break;
                case "redis": options.Redis = value; break;
                case "cluster-id": options.ClusterId = value; break;
                case "service-id": options.ServiceId = value; break;
                case "events": options.Events = (int)Number(); break;
                case "duration": options.Duration = Number(); break;
                case "rate": options.Rate = Number(); break;
                case "warmup": options.Warmup = Number(); break;
                case "subscriptions": options.Subscriptions = (int)Number(); break;
                case "non-matching": options.NonMatching = (int)Number(); break;
                case "concurrency": options.Concurrency = (int)Number(); break;
                case "entities": options.Entities = (int)Number(); break;
                case "fail-rate": options.FailRate = Number(); break;
                case "changes": options.Changes = Number(); break;
                case "entity-kb": options.EntityKb = Number(); break;
                case "wait-minutes": options.WaitMinutes = Number(); break;
                case "steps": options.Steps = [.. value.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "create": options.Create = (int)Number(); break;
                case "history": options.History = [.. value.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "label": options.Label = value; break;
                case "receiver-address": options.ReceiverAddress = value; break;
                case "max-in-flight": options.MaxInFlight = (int)Number(); break;
                case "resource": options.Resource = value; break;
                case "metrics": options.Metrics = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries)]; break;
                default: throw new ArgumentException($"unknown option '{name}'");
            }
        }
        if (options.Token.Length == 0)
        {
            throw new ArgumentException("--token is required (scripts/bench.sh passes one)");
        }
        return options;
    }
}
