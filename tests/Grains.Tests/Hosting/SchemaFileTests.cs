using System.Diagnostics;
using System.Text;
using EventsSubscriptions.Grains.Tests.Infrastructure;
using EventsSubscriptions.TestSupport;
using Npgsql;

namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary>
/// db/schema.sql is the schema the migrations make: a database migrated from scratch, dumped by
/// scripts/schema.sh (where the dump is normalised), equals the file byte for byte.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SchemaFileTests
{
    private const string SchemaFile = "db/schema.sql";
    private const string Script = "scripts/schema.sh";

    [Fact]
    public async Task The_schema_file_is_what_the_migrations_make()
    {
        await using var database = await TestDatabase.CreateAsync();

        var generated = await DumpAsync(database.ConnectionString);
        var file = await File.ReadAllBytesAsync(Path.Combine(Repository.Root, SchemaFile));

        if (!generated.AsSpan().SequenceEqual(file))
        {
            Assert.Fail($"{SchemaFile} is not the schema the migrations make: regenerate it with {Script}.\n"
                + FirstDifference(Encoding.UTF8.GetString(file), Encoding.UTF8.GetString(generated)));
        }
    }

    /// <summary>The script's output for a database migrated already, with the tests' pg_dump.</summary>
    private static async Task<byte[]> DumpAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ES_PG_BIN"] = TestEnvironment.PostgresBin },
        };
        foreach (var argument in (string[])[Path.Combine(Repository.Root, Script), "--stdout",
                     "--database", $"host={builder.Host} port={builder.Port} user={builder.Username} dbname={builder.Database}"])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(output);
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{Script} exited with {process.ExitCode}: {await error}");
        return output.ToArray();
    }

    /// <summary>The first line that differs, with the lines before it, as the file has them and as generated.</summary>
    private static string FirstDifference(string file, string generated)
    {
        string[] expected = file.Split('\n'), actual = generated.Split('\n');
        var line = 0;
        while (line < expected.Length && line < actual.Length && expected[line] == actual[line])
        {
            line++;
        }
        var from = Math.Max(0, line - 3);
        string Lines(string[] lines) => string.Join('\n', lines.Skip(from).Take(line - from + 4).Select((l, i) => $"{from + i + 1,5}: {l}"));
        return $"First difference at line {line + 1}.\n--- {SchemaFile}\n{Lines(expected)}\n--- generated\n{Lines(actual)}";
    }
}
