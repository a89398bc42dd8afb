import ArgumentParser
import QMPShell

extension ColorMode: ExpressibleByArgument {}
