using System.CommandLine;
using LinkDoctor.Cli;

return Cli.Build().Parse(args).Invoke();
