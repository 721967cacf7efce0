namespace EventsSubscriptions.Grains.Interfaces.Operations;

// What the Orleans Dashboard's grain-state view shows of each grain (it calls a method named
// GetState): made for operators, cheap to build, never a secret.

/// <summary>An entity grain: the entity as stored and its event sequence (its events are on the stream once stored).</summary>
[GenerateSerializer, Immutable, Alias("es.EntityStateView")]
public sealed record EntityStateView(
    [property: Id(0)] string? Snapshot,
    [property: Id(1)] long Sequence);
