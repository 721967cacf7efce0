namespace EventsSubscriptions.Grains.Interfaces.Regions;

/// <summary>
/// Serializes the changes of the region tree (key 0): one region created, moved or removed at a
/// time. Two moves checked at once could each miss the other's cycle, and two region grains
/// waiting on each other's paths would deadlock. Tree changes are rare, so one grain carries them
/// all; reads of a path go to the region's own grain and never wait here.
/// </summary>
[Alias("es.IRegionTreeGrain")]
public interface IRegionTreeGrain : IGrainWithIntegerKey
{
    /// <summary>Creates <paramref name="region"/> or moves it under <paramref name="parent"/>; an error text when refused.</summary>
    [Alias("Place")]
    Task<string?> PlaceAsync(long region, long? parent);

    /// <summary>Removes a region without children; an error text when refused.</summary>
    [Alias("Remove")]
    Task<string?> RemoveAsync(long region);
}
