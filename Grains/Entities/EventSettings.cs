using System.ComponentModel.DataAnnotations;
using EventsSubscriptions.Grains.Interfaces.Hosting;

namespace EventsSubscriptions.Grains.Entities;

/// <summary>Entity events (section <c>Events</c>).</summary>
public sealed class EventSettings : ISettingsSection
{
    public static string Section => "Events";

    /// <summary>
    /// Stream keys per resource: events of one entity always share one (<c>id % Partitions</c>), so
    /// they stay in order; different partitions are routed in parallel. Changing it reorders
    /// in-flight events: set it before the first event.
    /// </summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 8;
}
