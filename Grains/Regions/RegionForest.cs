using EventsSubscriptions.Grains.Interfaces.Operations;
using EventsSubscriptions.Grains.Interfaces.Regions;

namespace EventsSubscriptions.Grains.Regions;

/// <summary>
/// One tenant's live regions in memory, as the region tree grain holds them: each one's parent and
/// each parent's children, and the regions removed (their rows stay in the table for routing).
/// Pure: the grain writes a change to the table first, then applies it here.
/// </summary>
internal sealed class RegionForest
{
    private readonly Dictionary<long, long?> parents = [];
    private readonly Dictionary<long, HashSet<long>> children = [];
    private readonly HashSet<long> removed = [];

    public bool IsLive(long region) => parents.ContainsKey(region);

    public bool WasRemoved(long region) => removed.Contains(region);

    public bool TryGetParent(long region, out long? parent) => parents.TryGetValue(region, out parent);

    public IReadOnlySet<long> ChildrenOf(long region) => children.GetValueOrDefault(region) ?? [];

    public void Clear()
    {
        parents.Clear();
        children.Clear();
        removed.Clear();
    }

    /// <summary>Makes or moves a live region under <paramref name="parent"/> (null: a root).</summary>
    public void Place(long region, long? parent)
    {
        Unlink(region);
        parents[region] = parent;
        removed.Remove(region);
        if (parent is { } p)
        {
            Children(p).Add(region);
        }
    }

    public void Remove(long region)
    {
        Unlink(region);
        parents.Remove(region);
        removed.Add(region);
    }

    /// <summary>Loads a row as stored: parents first, children linked once all are read (<see cref="LinkChildren"/>).</summary>
    public void Load(long region, long? parent, bool isRemoved)
    {
        if (isRemoved)
        {
            removed.Add(region);
        }
        else
        {
            parents[region] = parent;
        }
    }

    public void LinkChildren()
    {
        foreach (var (id, parent) in parents)
        {
            if (parent is { } p)
            {
                Children(p).Add(id);
            }
        }
    }

    public RegionNodeStateView? Describe(long region, int maxChildren)
    {
        if (!parents.TryGetValue(region, out var parent))
        {
            return null;
        }
        var below = children.GetValueOrDefault(region);
        return new RegionNodeStateView(true, parent,
            [.. (below ?? []).Order().Take(maxChildren)], [.. PathOf(region)], below?.Count ?? 0);
    }

    public RegionTreeEntry[] Subtree(long region, int maxRegions, int maxDepth)
    {
        if (!parents.ContainsKey(region))
        {
            return [];
        }
        var found = new List<RegionTreeEntry>();
        var level = new List<long> { region };
        for (var depth = 0; level.Count > 0 && depth <= maxDepth && found.Count < maxRegions; depth++)
        {
            var next = new List<long>();
            foreach (var id in level)
            {
                if (found.Count == maxRegions)
                {
                    break;
                }
                var below = children.GetValueOrDefault(id);
                found.Add(new RegionTreeEntry(id, id == region ? null : parents[id], below?.Count ?? 0));
                // No more children than could still be listed (a parent may have 100,000).
                next.AddRange((below ?? []).Order().Take(maxRegions - found.Count - next.Count));
            }
            level = next;
        }
        return [.. found];
    }

    /// <summary>Null when the placement may be written (<paramref name="unchanged"/> when there is nothing to write); else why not.</summary>
    public string? CheckPlace(long region, long? parent, int maxDepth, out bool unchanged)
    {
        var exists = parents.TryGetValue(region, out var current);
        unchanged = exists && current == parent;
        if (unchanged || parent is not { } p)
        {
            return null;
        }
        if (p == region)
        {
            return $"region {region} cannot be its own parent";
        }
        if (!parents.ContainsKey(p))
        {
            return $"region {p} does not exist";
        }
        var parentDepth = 0;
        foreach (var ancestor in PathOf(p))
        {
            parentDepth++;
            if (ancestor == region)
            {
                return $"region {p} is inside region {region}: the move would make a cycle";
            }
        }
        var depth = parentDepth + (exists ? HeightOf(region) : 1);
        if (depth > maxDepth)
        {
            return $"the tree would be {depth} levels deep under region {p}; at most {maxDepth} are allowed";
        }
        return null;
    }

    /// <summary>The region then its ancestors, root last (a cycle, which no write makes, ends the walk).</summary>
    public IEnumerable<long> PathOf(long region)
    {
        var seen = new HashSet<long>();
        for (long? at = region; at is { } id && seen.Add(id); at = parents.GetValueOrDefault(id))
        {
            yield return id;
        }
    }

    /// <summary>Levels of the region's subtree, the region's own included.</summary>
    private int HeightOf(long region)
    {
        var height = 0;
        var seen = new HashSet<long> { region };
        var level = new List<long> { region };
        while (level.Count > 0)
        {
            height++;
            level = [.. level.SelectMany(id => children.GetValueOrDefault(id) ?? []).Where(seen.Add)];
        }
        return height;
    }

    private void Unlink(long region)
    {
        if (parents.GetValueOrDefault(region) is { } old && children.TryGetValue(old, out var siblings))
        {
            siblings.Remove(region);
            if (siblings.Count == 0)
            {
                children.Remove(old);
            }
        }
    }

    private HashSet<long> Children(long parent)
    {
        if (!children.TryGetValue(parent, out var set))
        {
            children[parent] = set = [];
        }
        return set;
    }
}
