using System.Diagnostics;

namespace LinkDoctor.IntegrationTests.Infrastructure;

public sealed record ToolResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs real programs (readelf, gcc, the loader, our CLI) with a timeout.</summary>
public static class Tool
{
    public static ToolResult Run(string file, IEnumerable<string> args, IDictionary<string, string?>? env = null,
        string? workingDirectory = null, int timeoutMs = 600_000)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }
        p.WaitForExit();
        return new ToolResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a shell script with bash -euo pipefail; throws with its output when it fails.</summary>
    public static string Sh(string script, string? workingDirectory = null, IDictionary<string, string?>? env = null)
    {
        var r = Run("/bin/bash", ["-euo", "pipefail", "-c", script], env, workingDirectory);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"script failed ({r.ExitCode}):\n{script}\n--- stdout\n{r.Stdout}\n--- stderr\n{r.Stderr}");
        return r.Stdout;
    }

    /// <summary>Our CLI, run as a separate process exactly as a user runs it.</summary>
    public static ToolResult LinkDoctor(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "linkdoctor.dll");
        return Run("dotnet", [dll, .. args]);
    }
}
