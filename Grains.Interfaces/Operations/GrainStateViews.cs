using EventsSubscriptions.Grains.Interfaces.Subscriptions;

namespace EventsSubscriptions.Grains.Interfaces.Operations;

// What the Orleans Dashboard's grain-state view shows of each grain (it calls a method named
// GetState): made for operators, cheap to build, never a secret.

/// <summary>A subscription grain: its configuration, status and health as the API shows them, and its sender's state.</summary>
[GenerateSerializer, Immutable, Alias("es.SubscriptionStateView")]
public sealed record SubscriptionStateView(
    [property: Id(0)] SubscriptionView? Subscription,
    [property: Id(1)] int QueuedInMemory,
    [property: Id(2)] int EntitiesInFlight,
    [property: Id(3)] bool Sending,
    [property: Id(4)] bool ReminderOn,
    [property: Id(5)] int ProjectedVersion,
    [property: Id(6)] DateTimeOffset? FailingSince);

/// <summary>An entity grain: the entity as stored and its event sequence (its events are on the stream once stored).</summary>
[GenerateSerializer, Immutable, Alias("es.EntityStateView")]
public sealed record EntityStateView(
    [property: Id(0)] string? Snapshot,
    [property: Id(1)] long Sequence);

/// <summary>A region of the tree: parent, children, and the cached path to the root.</summary>
[GenerateSerializer, Immutable, Alias("es.RegionNodeStateView")]
public sealed record RegionNodeStateView(
    [property: Id(0)] bool Exists,
    [property: Id(1)] long? Parent,
    [property: Id(2)] long[] Children,
    [property: Id(3)] long[] Path);

/// <summary>A router of one stream key: the version of the route table it matches with, and how many routes it holds.</summary>
[GenerateSerializer, Immutable, Alias("es.RouterStateView")]
public sealed record RouterStateView(
    [property: Id(0)] string StreamKey,
    [property: Id(1)] long? TableVersion,
    [property: Id(2)] int Routes,
    [property: Id(3)] long Invalidations);
