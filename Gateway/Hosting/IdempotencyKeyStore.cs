using Npgsql;
using NpgsqlTypes;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>A stored first answer: its status, the headers that matter to a client, its body.</summary>
public sealed record StoredAnswer(int Status, string? Headers, byte[] Body);

/// <summary>What claiming a key found: the key is ours to act on, or the first answer, or another request's.</summary>
public sealed record KeyClaim(bool Claimed, bool SameRequest, StoredAnswer? Answer);

/// <summary>
/// Idempotency keys in PostgreSQL (table <c>idempotency_key</c>), per caller and tenant, for 24 hours.
/// A claim inserts the key; the request's answer is stored once it is known, or the key released when
/// the request failed in a way worth repeating. A claim whose request never finished (its gateway
/// died) may be taken again after <see cref="AbandonedAfter"/>.
/// </summary>
public sealed class IdempotencyKeyStore(NpgsqlDataSource dataSource, string serviceId)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(2);

    public async Task<KeyClaim> ClaimAsync(string tenant, string caller, string key, byte[] requestHash, CancellationToken cancellationToken)
    {
        await using (var claim = dataSource.CreateCommand(
            """
            WITH purged AS (DELETE FROM idempotency_key WHERE service_id = $1 AND created_on < now() - $6)
            INSERT INTO idempotency_key AS k (service_id, tenant, caller, key, request_hash) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (service_id, tenant, caller, key) DO UPDATE
                SET request_hash = excluded.request_hash, status = NULL, headers = NULL, body = NULL, created_on = now()
                WHERE k.created_on < now() - $6 OR (k.status IS NULL AND k.created_on < now() - $7)
            RETURNING true
            """))
        {
            claim.Parameters.AddRange(Key(tenant, caller, key));
            claim.Parameters.Add(new NpgsqlParameter { Value = requestHash, NpgsqlDbType = NpgsqlDbType.Bytea });
            claim.Parameters.Add(new NpgsqlParameter { Value = Lifetime, NpgsqlDbType = NpgsqlDbType.Interval });
            claim.Parameters.Add(new NpgsqlParameter { Value = AbandonedAfter, NpgsqlDbType = NpgsqlDbType.Interval });
            if (await claim.ExecuteScalarAsync(cancellationToken) is true)
            {
                return new KeyClaim(true, true, null);
            }
        }
        await using var read = dataSource.CreateCommand(
            "SELECT request_hash, status, headers, body FROM idempotency_key WHERE service_id = $1 AND tenant = $2 AND caller = $3 AND key = $4");
        read.Parameters.AddRange(Key(tenant, caller, key));
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            // Released between the two statements: the caller may try again at once.
            return new KeyClaim(false, true, null);
        }
        var same = ((byte[])reader[0]).AsSpan().SequenceEqual(requestHash);
        var answer = reader.IsDBNull(1) ? null : new StoredAnswer(reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2), (byte[])reader[3]);
        return new KeyClaim(false, same, answer);
    }

    public async Task StoreAsync(string tenant, string caller, string key, StoredAnswer answer, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE idempotency_key SET status = $5, headers = $6, body = $7 WHERE service_id = $1 AND tenant = $2 AND caller = $3 AND key = $4");
        command.Parameters.AddRange(Key(tenant, caller, key));
        command.Parameters.Add(new NpgsqlParameter { Value = answer.Status, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)answer.Headers ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = answer.Body, NpgsqlDbType = NpgsqlDbType.Bytea });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ReleaseAsync(string tenant, string caller, string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM idempotency_key WHERE service_id = $1 AND tenant = $2 AND caller = $3 AND key = $4 AND status IS NULL");
        command.Parameters.AddRange(Key(tenant, caller, key));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private NpgsqlParameter[] Key(string tenant, string caller, string key) =>
    [
        new() { Value = serviceId, NpgsqlDbType = NpgsqlDbType.Text },
        new() { Value = tenant, NpgsqlDbType = NpgsqlDbType.Text },
        new() { Value = caller, NpgsqlDbType = NpgsqlDbType.Text },
        new() { Value = key, NpgsqlDbType = NpgsqlDbType.Text },
    ];
}
