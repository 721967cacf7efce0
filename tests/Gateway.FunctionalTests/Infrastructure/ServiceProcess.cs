namespace EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

/// <summary>A silo or gateway run as a real process, its output kept for assertions and failure reports.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();

    private ServiceProcess(string name, Process process)
    {
        Name = name;
        this.process = process;
    }

    public string Name { get; }

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string Output => string.Join('\n', output);

    /// <summary>How many lines the process has written so far: a mark for <see cref="OutputSince"/>.</summary>
    public int LineCount => output.Count;

    /// <summary>What the process wrote after the mark (a test reads only its own time).</summary>
    public string OutputSince(int lines) => string.Join('\n', output.Skip(lines));

    public static ServiceProcess Start(string name, string dll, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(name, process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { service.output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { service.output.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    /// <summary>SIGKILL: the process dies at once, as in a machine failure.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>SIGTERM, then SIGKILL if it has not stopped in time.</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (process.HasExited)
        {
            return;
        }
        try
        {
            Process.Start("kill", ["-TERM", process.Id.ToString()])?.WaitForExit();
            await WaitForExitAsync(grace ?? TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(15));
        process.Dispose();
    }
}
