using YamlDotNet.Core;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>What ships in deploy/ for operators: alert rules Prometheus accepts, a dashboard Grafana can import.</summary>
[Trait("Category", "Unit")]
public sealed class DeployFilesTests
{
    [Fact]
    public async Task The_alert_rules_pass_promtool()
    {
        var rules = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "prometheus", "alerts.yml");
        var info = new ProcessStartInfo("promtool", ["check", "rules", rules])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("promtool did not start (scripts/test.sh installs it)");
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("SUCCESS: 7 rules found", output);
    }

    [Fact]
    public void The_grafana_dashboard_is_json_whose_panels_query_the_service_metrics()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "grafana", "events-subscriptions.json")));

        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        Assert.True(expressions.Count >= 10);
        Assert.Contains(expressions, e => e.Contains("es_delivery_latency_seconds_bucket", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("error_kind", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("es_delivery_oldest_pending_age_seconds", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("es_stream_oldest_age_seconds", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("es_stream_dead_letters", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("es_batch_wait_seconds_bucket", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("es_routing_yielded_seconds_total", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_kubernetes_files_render_and_hold_what_a_production_cluster_needs()
    {
        var manifests = await KubernetesAsync();
        JsonNode Find(string kind, string name) => manifests.Single(m => m["kind"]!.GetValue<string>() == kind && m["metadata"]!["name"]!.GetValue<string>() == name);
        Assert.All(manifests.Where(m => m["kind"]!.GetValue<string>() != "Namespace"),
            m => Assert.Equal("events-subscriptions", m["metadata"]!["namespace"]?.GetValue<string>() ?? "events-subscriptions"));

        var silo = Find("Deployment", "silo")["spec"]!["template"]!;
        var siloContainer = silo["spec"]!["containers"]![0]!;
        // Longer than the silo's bounded stop: ShutdownTimeoutSeconds (30) and its watchdog's 10 s.
        Assert.True(int.Parse(silo["spec"]!["terminationGracePeriodSeconds"]!.ToString()) > 40);
        Assert.Equal("/healthz", siloContainer["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("/readyz", siloContainer["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("8081", Env(siloContainer, "Silo__HealthPort"));
        Assert.NotNull(siloContainer["resources"]!["requests"]!["cpu"]);
        Assert.NotNull(siloContainer["resources"]!["limits"]!["memory"]);
        Assert.Equal("events-subscriptions", silo["metadata"]!["labels"]!["orleans/serviceId"]!.GetValue<string>());
        Assert.Equal("metadata.labels['orleans/serviceId']", EnvFrom(siloContainer, "ORLEANS_SERVICE_ID"));
        Assert.Equal("status.podIP", EnvFrom(siloContainer, "POD_IP"));
        Assert.Equal("silo", silo["spec"]!["serviceAccountName"]!.GetValue<string>());
        Assert.Contains("list", Find("Role", "silo-pods")["rules"]![0]!["verbs"]!.AsArray().Select(v => v!.GetValue<string>()));

        // Secrets as files, read from ES_SECRETS_DIR; none in the environment.
        foreach (var (name, pod) in new[] { ("silo", silo), ("gateway", Find("Deployment", "gateway")["spec"]!["template"]!),
                     ("migrate", Find("Job", "migrate")["spec"]!["template"]!) })
        {
            var container = pod["spec"]!["containers"]![0]!;
            var mount = container["volumeMounts"]!.AsArray().Single()!;
            Assert.Equal(mount["mountPath"]!.GetValue<string>(), Env(container, "ES_SECRETS_DIR"));
            Assert.True(bool.Parse(mount["readOnly"]!.ToString()), name);
            Assert.Equal("secrets", pod["spec"]!["volumes"]![0]!["secret"]!["secretName"]!.GetValue<string>());
            Assert.DoesNotContain(container["env"]!.AsArray(), e => e!["name"]!.GetValue<string>().StartsWith("Secrets__") || e["name"]!.GetValue<string>().Contains("SigningKey"));
        }
        var secretKeys = Find("Secret", "secrets")["stringData"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Superset(new HashSet<string> { "ConnectionStrings__Postgres", "Secrets__EncryptionKey", "Auth__SigningKey" }, secretKeys.ToHashSet());
        Assert.Contains("Username=events_app", Find("Secret", "secrets")["stringData"]!["ConnectionStrings__Postgres"]!.GetValue<string>());

        Assert.Equal(["migrate"], Find("Job", "migrate")["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("1", Find("PodDisruptionBudget", "silo")["spec"]!["maxUnavailable"]!.ToString());
        Assert.Equal("silo", Find("PodDisruptionBudget", "silo")["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/name"]!.GetValue<string>());
        Assert.Equal("/readyz", Find("Deployment", "gateway")["spec"]!["template"]!["spec"]!["containers"]![0]!["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("true", Find("ConfigMap", "config")["data"]!["Cluster__Kubernetes"]!.GetValue<string>());
    }

    [Fact]
    public void The_compose_file_stops_silos_gracefully_checks_health_and_connects_as_an_application_role()
    {
        var compose = Yaml(File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "docker-compose.yml")))!;
        var services = compose["services"]!;
        Assert.Equal("60s", services["silo"]!["stop_grace_period"]!.GetValue<string>());
        Assert.Contains("health", services["silo"]!["healthcheck"]!["test"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Contains("health", services["gateway"]!["healthcheck"]!["test"]!.AsArray().Select(t => t!.GetValue<string>()));
        var connection = compose["x-common-env"]!["ConnectionStrings__Postgres"]!.GetValue<string>();
        Assert.Contains("Username=events_app", connection);
        Assert.Contains("Maximum Pool Size=24", connection);
        Assert.NotEqual("events_app", services["postgres"]!["environment"]!["POSTGRES_USER"]!.GetValue<string>());
        var init = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "postgres", "init", "10-app-role.sh"));
        Assert.Contains("CREATE ROLE events_app LOGIN NOSUPERUSER", init);
        Assert.Contains("./deploy/postgres/init:/docker-entrypoint-initdb.d:ro", services["postgres"]!["volumes"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    /// <summary>The manifests as kustomize renders them (kubectl kustomize), or the listed files as they are where kubectl is missing.</summary>
    private static async Task<List<JsonNode>> KubernetesAsync()
    {
        var folder = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "kubernetes");
        string text;
        try
        {
            var info = new ProcessStartInfo("kubectl", ["kustomize", folder]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            text = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, error);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            var kustomization = Yaml(File.ReadAllText(Path.Combine(folder, "kustomization.yaml")))!;
            text = string.Join("\n---\n", kustomization["resources"]!.AsArray().Select(r => File.ReadAllText(Path.Combine(folder, r!.GetValue<string>()))));
        }
        var parser = new YamlDotNet.Core.Parser(new StringReader(text));
        var deserializer = new YamlDotNet.Serialization.DeserializerBuilder().Build();
        var serializer = new YamlDotNet.Serialization.SerializerBuilder().JsonCompatible().Build();
        var documents = new List<JsonNode>();
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            var document = deserializer.Deserialize<object>(parser);
            if (document is not null)
            {
                documents.Add(JsonNode.Parse(serializer.Serialize(document))!);
            }
        }
        Assert.True(documents.Count >= 12, $"{documents.Count} manifests");
        return documents;
    }

    private static JsonNode? Yaml(string text) =>
        JsonNode.Parse(new YamlDotNet.Serialization.SerializerBuilder().JsonCompatible().Build()
            .Serialize(new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<object>(text)!));

    private static string? Env(JsonNode container, string name) =>
        container["env"]!.AsArray().SingleOrDefault(e => e!["name"]!.GetValue<string>() == name)?["value"]?.GetValue<string>();

    private static string? EnvFrom(JsonNode container, string name) =>
        container["env"]!.AsArray().SingleOrDefault(e => e!["name"]!.GetValue<string>() == name)?["valueFrom"]?["fieldRef"]?["fieldPath"]?.GetValue<string>();
}
