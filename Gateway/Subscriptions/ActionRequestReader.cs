using System.Text.Json;
using EventsSubscriptions.Grains.Interfaces.Filters;

namespace EventsSubscriptions.Gateway.Subscriptions;

/// <summary>
/// Reads the bodies of the subscription actions field by field into their typed requests, as the
/// subscription body is read: every error at once, named by its field, unknown fields refused.
/// </summary>
public static class ActionRequestReader
{
    public const int MaxReasonLength = 255;

    /// <summary><c>suspend</c>: <c>{"reason"}</c>, required.</summary>
    public static (SuspendRequest? Request, ValidationErrors Errors) ReadSuspend(JsonElement body)
    {
        var errors = new ValidationErrors();
        var reason = ReadReason(body, required: true, allowed: true, errors);
        return errors.Any ? (null, errors) : (new SuspendRequest(reason!), errors);
    }

    /// <summary><c>archive</c>: <c>{"reason"}</c>, optional, or no body at all.</summary>
    public static (ArchiveRequest? Request, ValidationErrors Errors) ReadArchive(JsonElement? body)
    {
        var errors = new ValidationErrors();
        var reason = ReadReason(body, required: false, allowed: true, errors);
        return errors.Any ? (null, errors) : (new ArchiveRequest(reason), errors);
    }

    /// <summary><c>enable</c> takes no field: no body, or an empty object.</summary>
    public static ValidationErrors ReadEnable(JsonElement? body)
    {
        var errors = new ValidationErrors();
        ReadReason(body, required: false, allowed: false, errors);
        return errors;
    }

    /// <summary><c>replay</c>: <c>{"since", "until"?, "onlyFailed"?}</c>, since required and until after it.</summary>
    public static (ReplayRequest? Request, ValidationErrors Errors) ReadReplay(JsonElement body)
    {
        var errors = new ValidationErrors();
        DateTimeOffset? since = null, until = null;
        bool? onlyFailed = null;
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "the body must be a JSON object {since, until, onlyFailed}");
            return (null, errors);
        }
        foreach (var property in body.EnumerateObject())
        {
            switch (property.Name)
            {
                case "since" or "until":
                    if (property.Value.ValueKind == JsonValueKind.String && FilterValues.TryParseDate(property.Value.GetString()!, out var date))
                    {
                        if (property.Name == "since")
                        {
                            since = date;
                        }
                        else
                        {
                            until = date;
                        }
                    }
                    else if (property.Value.ValueKind != JsonValueKind.Null)
                    {
                        errors.Add(property.Name, "must be a date (yyyy-MM-dd or ISO 8601)");
                    }
                    break;
                case "onlyFailed":
                    if (property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    {
                        onlyFailed = property.Value.GetBoolean();
                    }
                    else if (property.Value.ValueKind != JsonValueKind.Null)
                    {
                        errors.Add("onlyFailed", "must be true or false");
                    }
                    break;
                default:
                    errors.Add(property.Name, "is not a field of replay (since, until, onlyFailed)");
                    break;
            }
        }
        if (since is null && !errors.Raw.ContainsKey("since"))
        {
            errors.Add("since", "is required");
        }
        if (since is not null && until is not null && until <= since)
        {
            errors.Add("until", "must be after since");
        }
        return errors.Any ? (null, errors) : (new ReplayRequest(since!.Value, until, onlyFailed), errors);
    }

    private static string? ReadReason(JsonElement? body, bool required, bool allowed, ValidationErrors errors)
    {
        string? reason = null;
        if (body is { } value)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                errors.Add("$", "the body must be a JSON object");
                return null;
            }
            foreach (var property in value.EnumerateObject())
            {
                if (property.Name == "reason" && allowed)
                {
                    if (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()!.Trim().Length is > 0 and <= MaxReasonLength)
                    {
                        reason = property.Value.GetString()!.Trim();
                    }
                    else if (property.Value.ValueKind != JsonValueKind.Null)
                    {
                        errors.Add("reason", $"must be a string of 1 to {MaxReasonLength} characters");
                    }
                }
                else
                {
                    errors.Add(property.Name, "is not a field of this action");
                }
            }
        }
        if (required && reason is null && !errors.Raw.ContainsKey("reason"))
        {
            errors.Add("reason", "is required");
        }
        return reason;
    }
}
