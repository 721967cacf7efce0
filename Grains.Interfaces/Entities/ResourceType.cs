using System.Text.Json.Nodes;

namespace EventsSubscriptions.Grains.Interfaces.Entities;

/// <summary>One resource the service knows, its triggers, and an example of its entity.</summary>
public sealed record ResourceType(string Name, IReadOnlyList<string> Triggers, string Description, JsonObject Example);
