namespace EventsSubscriptions.Grains.Interfaces.Entities;

public enum EntityOutcome
{
    Ok,
    NotFound,

    /// <summary>The write was refused as invalid (unknown region, cycle…); <see cref="EntityResult.Errors"/> say why.</summary>
    Invalid,

    /// <summary>A create found the id taken.</summary>
    Exists,
}
