namespace EventsSubscriptions.Grains.Interfaces.Tenants;

/// <summary>
/// A gateway request reached a grain of another tenant than its own. The gateway answers it as
/// it answers an id that does not exist, word for word, so that a caller learns nothing of other
/// tenants' ids.
/// </summary>
[GenerateSerializer, Alias("es.OtherTenantException")]
public sealed class OtherTenantException : Exception
{
    public OtherTenantException()
        : base("This belongs to another tenant.")
    {
    }
}

/// <summary>A grain that belongs to one tenant: calls made for another tenant's request are refused before they run.</summary>
public interface ITenantOwned
{
    /// <summary>The owner, once known (null for a grain not yet created: a request of any tenant may create it).</summary>
    string? OwnerTenant { get; }
}
