namespace EventsSubscriptions.Grains.Streaming;

/// <summary>
/// The messages a receiver claimed and handed to its agent, not yet confirmed or handed back: by
/// id, each with its receipt (the claim it was read under) and its token (its place in the agent's
/// cache). The agent and the adapter call the receiver from different threads, hence the lock.
/// </summary>
internal sealed class HeldClaims
{
    private readonly Dictionary<long, (int Receipt, long Token)> claims = [];

    public void Hold(long id, int receipt, long token)
    {
        lock (claims)
        {
            claims[id] = (receipt, token);
        }
    }

    /// <summary>Lets go of delivered messages; a message claimed again since (another receipt) stays held.</summary>
    public void Release(IEnumerable<(long Id, int Receipt)> delivered)
    {
        lock (claims)
        {
            foreach (var (id, receipt) in delivered)
            {
                if (claims.TryGetValue(id, out var claim) && claim.Receipt == receipt)
                {
                    claims.Remove(id);
                }
            }
        }
    }

    /// <summary>Lets go of, and returns, the messages handed out at <paramref name="fromToken"/> or after it.</summary>
    public List<(long Id, int Receipt)> TakeFrom(long fromToken)
    {
        lock (claims)
        {
            var taken = claims.Where(m => m.Value.Token >= fromToken).Select(m => (m.Key, m.Value.Receipt)).ToList();
            foreach (var (id, _) in taken)
            {
                claims.Remove(id);
            }
            return taken;
        }
    }

    /// <summary>The messages held now, which stay held.</summary>
    public List<(long Id, int Receipt)> Snapshot()
    {
        lock (claims)
        {
            return [.. claims.Select(m => (m.Key, m.Value.Receipt))];
        }
    }

    /// <summary>Lets go of, and returns, every message held.</summary>
    public List<(long Id, int Receipt)> TakeAll()
    {
        lock (claims)
        {
            var all = Snapshot();
            claims.Clear();
            return all;
        }
    }
}
