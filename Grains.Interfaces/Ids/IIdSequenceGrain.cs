namespace EventsSubscriptions.Grains.Interfaces.Ids;

/// <summary>
/// Hands out ids from one PostgreSQL sequence (key: the sequence, see <see cref="IdSequences"/>):
/// positive, increasing, unique across silos and restarts, never reused.
/// </summary>
[Alias("es.IIdSequenceGrain")]
public interface IIdSequenceGrain : IGrainWithStringKey
{
    [Alias("Next")]
    Task<long> NextAsync();
}
