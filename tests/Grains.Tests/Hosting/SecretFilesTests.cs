using EventsSubscriptions.Grains.Interfaces.Hosting;

namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary>Settings from a Kubernetes Secret mounted as files (ES_SECRETS_DIR): one file per setting.</summary>
[Trait("Category", "Unit")]
[Collection(ConsoleOutput.Name)]
public sealed class SecretFilesTests
{
    [Fact]
    public void Each_file_of_the_folder_is_a_setting_named_like_its_variable_and_wins_over_the_environment()
    {
        var folder = Directory.CreateTempSubdirectory("es-secrets-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "Secrets__EncryptionKey"), "from-the-file");
            File.WriteAllText(Path.Combine(folder, "ConnectionStrings__Postgres"), "Host=db;Username=events_app");
            Environment.SetEnvironmentVariable(Settings.SecretsFolderVariable, folder);
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Secrets:EncryptionKey"] = "from-the-environment" })
                .AddSecretFiles()
                .Build();
            Assert.Equal("from-the-file", configuration["Secrets:EncryptionKey"]);
            Assert.Equal("Host=db;Username=events_app", configuration.GetConnectionString("Postgres"));

            Environment.SetEnvironmentVariable(Settings.SecretsFolderVariable, Path.Combine(folder, "missing"));
            var error = Assert.Throws<DirectoryNotFoundException>(() => new ConfigurationBuilder().AddSecretFiles());
            Assert.Contains(Settings.SecretsFolderVariable, error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Settings.SecretsFolderVariable, null);
            Directory.Delete(folder, recursive: true);
        }
    }
}
