# Makes the folder package data.
