using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace EventsSubscriptions.Gateway.Portal;

/// <summary>What a console link grants: one tenant, with these scopes, to every subscription or to one.</summary>
/// <param name="MakerExpiresOn">When the link maker's own token expires: no link or session outlives it.</param>
public sealed record PortalGrant(string Tenant, string CreatedBy, IReadOnlyList<string> Scopes, long? SubscriptionId, bool ReadOnly,
    DateTimeOffset MakerExpiresOn);

/// <summary>A link as it was redeemed: its grant, or why it grants nothing.</summary>
public sealed record PortalRedemption(PortalGrant? Grant, bool Expired);

/// <summary>
/// Console links in PostgreSQL (table <c>portal_link</c>). The link's secret is 32 random bytes that
/// leave the gateway once, in the URL; the table keeps its SHA-256 only. Redeeming deletes the row
/// in the statement that reads it, so a link signs in once even when two gateways are asked at once;
/// expiry is decided by the database's clock, the one that set it.
/// </summary>
public sealed class PortalLinkStore(NpgsqlDataSource dataSource, string serviceId)
{
    /// <summary>Expired links are kept this long after their expiry, to answer "expired" rather than "unknown".</summary>
    private static readonly TimeSpan KeptAfterExpiry = TimeSpan.FromDays(1);

    /// <summary>Stores a grant valid for <paramref name="lifetime"/>; answers the link's secret and its expiry.</summary>
    public async Task<(string Secret, DateTimeOffset ExpiresOn)> IssueAsync(PortalGrant grant, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        await using var command = dataSource.CreateCommand(
            """
            WITH purged AS (DELETE FROM portal_link WHERE service_id = $1 AND expires_on < now() - $2)
            INSERT INTO portal_link (service_id, secret_hash, tenant, created_by, scopes, subscription_id, read_only, maker_expires_on, expires_on)
            VALUES ($1, $3, $4, $5, $6, $7, $8, $10, least(now() + $9, $10))
            RETURNING expires_on
            """);
        command.Parameters.AddRange(new NpgsqlParameter[]
        {
            Text(serviceId), new NpgsqlParameter { Value = KeptAfterExpiry, NpgsqlDbType = NpgsqlDbType.Interval },
            new NpgsqlParameter { Value = SHA256.HashData(secret), NpgsqlDbType = NpgsqlDbType.Bytea },
            Text(grant.Tenant), Text(grant.CreatedBy), Text(string.Join(' ', grant.Scopes)),
            new NpgsqlParameter { Value = (object?)grant.SubscriptionId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
            new NpgsqlParameter { Value = grant.ReadOnly, NpgsqlDbType = NpgsqlDbType.Boolean },
            new NpgsqlParameter { Value = lifetime, NpgsqlDbType = NpgsqlDbType.Interval },
            new NpgsqlParameter { Value = grant.MakerExpiresOn.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz },
        });
        var expiresOn = (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
        return (Base64Url(secret), new DateTimeOffset(expiresOn, TimeSpan.Zero));
    }

    /// <summary>Redeems a link once: its grant if it is known and unexpired; nothing for a used, unknown or malformed one.</summary>
    public async Task<PortalRedemption> RedeemAsync(string secret, CancellationToken cancellationToken)
    {
        if (!TryDecode(secret, out var bytes))
        {
            return new PortalRedemption(null, Expired: false);
        }
        await using var command = dataSource.CreateCommand(
            """
            DELETE FROM portal_link WHERE service_id = $1 AND secret_hash = $2
            RETURNING tenant, created_by, scopes, subscription_id, read_only, expires_on <= now(), maker_expires_on
            """);
        command.Parameters.Add(Text(serviceId));
        command.Parameters.Add(new NpgsqlParameter { Value = SHA256.HashData(bytes), NpgsqlDbType = NpgsqlDbType.Bytea });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return new PortalRedemption(null, Expired: false);
        }
        if (reader.GetBoolean(5))
        {
            return new PortalRedemption(null, Expired: true);
        }
        return new PortalRedemption(new PortalGrant(reader.GetString(0), reader.GetString(1),
            reader.GetString(2).Split(' ', StringSplitOptions.RemoveEmptyEntries),
            reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.GetBoolean(4),
            new DateTimeOffset(reader.GetFieldValue<DateTime>(6), TimeSpan.Zero)), Expired: false);
    }

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Exactly the 43 characters of a link's 32 bytes, nothing else decodes.</summary>
    private static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length != 43 || !text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return false;
        }
        bytes = Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + "=");
        return bytes.Length == 32;
    }
}
