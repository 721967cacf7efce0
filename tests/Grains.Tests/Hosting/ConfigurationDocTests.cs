using EventsSubscriptions.TestSupport;

namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary>
/// docs/configuration.md's settings reference is what the settings types say (<see cref="SettingsReference"/>),
/// so that it never drifts from the code. <c>scripts/docs.sh</c> writes it again after a change.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ConfigurationDocTests
{
    private static readonly string Document = Path.Combine(Repository.Root, "docs", "configuration.md");

    [Fact]
    public void The_settings_reference_is_rendered_from_the_settings_types()
    {
        var text = File.ReadAllText(Document).ReplaceLineEndings("\n");
        var begin = text.IndexOf(SettingsReference.Begin, StringComparison.Ordinal);
        var end = text.IndexOf(SettingsReference.End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"docs/configuration.md must hold the markers {SettingsReference.Begin} and {SettingsReference.End}");
        var current = text[(begin + SettingsReference.Begin.Length)..end];
        var rendered = SettingsReference.Render();
        if (Environment.GetEnvironmentVariable("ES_WRITE_DOCS") == "1")
        {
            File.WriteAllText(Document, text[..(begin + SettingsReference.Begin.Length)] + rendered + text[end..]);
            return;
        }
        var line = current.Split('\n').Zip(rendered.Split('\n')).Select((pair, i) => (pair, i)).FirstOrDefault(x => x.pair.First != x.pair.Second);
        Assert.True(current == rendered,
            $"docs/configuration.md's settings reference is stale (first difference at its line {line.i + 1}):\n  file: {line.pair.First}\n  code: {line.pair.Second}\nRun scripts/docs.sh and commit the file.");
    }
}
