using EventsSubscriptions.Bench;

// The benchmark console. scripts/bench.sh brings the stack up and passes the connection options;
// see bench/RESULTS.md for the scenarios, the commands and the figures.
// Each scenario is a type of its own (LoadScenario, GrowthScenario, ManyScenario, IdleScenario,
// OutageScenario, MonthScenario), given what they share as a BenchRun:
//   load    (a) S subscriptions that all match, N events (or --duration s, --rate r), delivered to
//           the local receiver; then the limit loop and the ratio system/limit.
//   fanout  (b) one event at a time to 1,000 subscriptions, repeated.
//   growth  (d) 10 matching subscriptions among 10, 1,000, 10,000 of the same resource and trigger.
//   many    (c) events at --rate to 1 subscription; then 100,000 more created (--create) that never match:
//           memory per silo and per active grain, idle CPU, and the same events again while --changes
//           of them a second are refiltered: silos' CPU per event and routing lag against the first run;
//   idle    (c) then, on freshly started silos: memory per idle subscription (routes loaded, no grain).
//   month   one subscription with a month of history of growing sizes (generated in SQL): its
//           activation, the last page of its log, a retention run (days dropped against rows deleted).
//   outage  the receiver of S subscriptions answers 503 for --duration s while entities of --entity-kb
//           KiB change at --rate; then it is back: silos' memory before, during, after; what waited.
var options = BenchOptions.Parse(args);
var run = Guid.NewGuid().ToString("N")[..8];
using var api = new GatewayApi(options);
await using var receiver = await Receiver.StartAsync(options.ReceiverAddress);
receiver.FailRate = options.FailRate;
Console.WriteLine($"bench {options.Scenario} {options.Label} on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, run {run}");
Console.WriteLine($"  {string.Join(' ', args.Where((a, i) => a != "--token" && (i == 0 || args[i - 1] != "--token")))}");

var bench = new BenchRun(options, api, receiver, run);
switch (options.Scenario)
{
    case "load":
        return await LoadScenario.RunAsync(bench, options.Subscriptions, options.NonMatching, $"load {options.Label}".Trim());
    case "fanout":
        return await LoadScenario.RunAsync(bench, options.Subscriptions, 0, "fan-out");
    case "growth":
        return await GrowthScenario.RunAsync(bench);
    case "many":
        return await ManyScenario.RunAsync(bench);
    case "idle":
        return await IdleScenario.RunAsync(bench);
    case "outage":
        return await OutageScenario.RunAsync(bench);
    case "month":
        return await MonthScenario.RunAsync(bench);
    default:
        Console.Error.WriteLine($"unknown scenario '{options.Scenario}': load, fanout, growth, many, idle, outage or month");
        return 2;
}
