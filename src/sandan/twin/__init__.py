"""The digital twin: process models per family, discrete-event simulation of lines, what-if experiments,
factory design, line balancing, scheduling, and the virtual factory that streams live data. No interface code.
"""
